"""Probe: do sentence-level vectors add signal to compare's graded head? (the measurement that led to the
sentence head, which ships as ``graded.sentence_inputs``; this script is kept as it ran)

    .venv/bin/python eval/probe_sentence_inputs.py [CAP] [INPUTS_CACHE]

SemEval texts come without line breaks, so the stored passages are coarse (a median of 2 per article) and
the head's alignment statistics have little to count. This encodes each labelled article's first CAP
(24) sentences of 20 characters or more (``text.segment.split_sentences``; disk-cached encoder), centres
them by the language mean of all these sentences (unlabelled, both halves), and adds 15 sentence-matrix
statistics to the head's 45 inputs (fit_graded_score's, read from INPUTS_CACHE, default
/tmp/graded_inputs.npz, written by ``eval/fit_graded_score.py --inputs-cache``). It prints each
statistic's own Pearson with -Overall, then the head's 10-fold grouped CV on the fit half and one report
on the test half, with and without them. Result and reading: docs/evaluation.md, "Sentence vectors".
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_graded_score as F
import numpy as np  # noqa: E402
from corpora import load
from harness import cached_encoder

from narratrace.settings import Settings
from narratrace.text.segment import split_sentences

CAP = int(sys.argv[1]) if len(sys.argv) > 1 else 24
settings = Settings.load(None)
enc = cached_encoder(settings.encoder)
halves = F.load_inputs(settings, Path(sys.argv[2] if len(sys.argv) > 2 else '/tmp/graded_inputs.npz'))

def sentences(r):
    s = [r.text[a:b].strip() for a, b in split_sentences(r.text, r.lang)]
    s = [x for x in s if len(x) >= 20] or [r.text.strip()[:1000]]
    return s[:CAP]

corp = {h: load(f"semeval-{h}") for h in ("fit", "test")}
sent, lang = {}, {}
for c in corp.values():
    ids = {x for a, b, _ in c.pairs for x in (a, b)}
    for r in c.records:
        if r.id in ids:
            sent[r.id] = sentences(r)
            lang[r.id] = r.lang
allt = [t for s in sent.values() for t in s]
t0 = time.perf_counter()
V = enc.encode_passages(allt)
print(f"encoded {len(allt)} sentences in {time.perf_counter()-t0:.0f}s", file=sys.stderr)
vec, k = {}, 0
for aid, s in sent.items():
    vec[aid] = V[k:k + len(s)]
    k += len(s)
means = {}
for code in set(lang.values()):
    means[code] = np.concatenate([vec[a] for a in vec if lang[a] == code]).mean(0)

def unit(M):
    return M / np.maximum(1e-9, np.linalg.norm(M, axis=-1, keepdims=True))

NAMES = ["s_best", "s_cover_min", "s_cover_max", "s_m4_min", "s_m4_max", "s_m6_min", "s_t3_min", "s_top3",
         "s_lead3", "s_mean", "s_doc", "s_raw_cover_min", "s_raw_cover_max", "s_raw_best", "s_n"]
def feats(a, b):
    A, B = unit(vec[a] - means[lang[a]]), unit(vec[b] - means[lang[b]])
    S, R = A @ B.T, vec[a] @ vec[b].T
    r, c = S.max(1), S.max(0)
    cov = sorted((r.mean(), c.mean()))
    m4 = sorted(((r > .4).mean(), (c > .4).mean()))
    m6 = min((r > .6).mean(), (c > .6).mean())
    t3 = min((r > .3).mean(), (c > .3).mean())
    rr, rc = R.max(1), R.max(0)
    rcov = sorted((rr.mean(), rc.mean()))
    lead3 = (r[:3].mean() + c[:3].mean()) / 2
    da, db = unit(A.mean(0)), unit(B.mean(0))
    return [S.max(), cov[0], cov[1], m4[0], m4[1], m6, t3, np.sort(S, axis=None)[::-1][:3].mean(), lead3,
            S.mean(), da @ db, rcov[0], rcov[1], R.max(), np.log1p(len(A)) + np.log1p(len(B))]

for h, c in corp.items():
    pairs = [(a, b) for a, b, _ in c.pairs if a in vec and b in vec]
    assert len(pairs) == len(halves[h]["overall"]), (len(pairs), len(halves[h]["overall"]))
    halves[h]["S"] = np.array([feats(a, b) for a, b in pairs])

def cv(data, X, **kw):
    from sklearn.model_selection import GroupKFold
    y = data["overall"]
    pred = np.zeros(len(y))
    for tr, he in GroupKFold(n_splits=F.FOLDS).split(X, groups=data["groups"]):
        pred[he] = F.predict_overall(X[he], F.fit_head(X[tr], y[tr], **kw))
    return F.pearson_neg(-pred, y)

fit, test = halves["fit"], halves["test"]
for i, n in enumerate(NAMES):
    alone = (F.pearson_neg(h["S"][:, i], h["overall"]) for h in (fit, test))
    print("  {:16s} fit {:.3f}  test {:.3f}".format(n, *alone))
for name, cols in [("base", None), ("+sent", slice(None))]:
    Xf = fit["X"] if cols is None else np.hstack([fit["X"], fit["S"]])
    Xt = test["X"] if cols is None else np.hstack([test["X"], test["S"]])
    r, n = cv(fit, Xf, ridge_only=True), cv(fit, Xf)
    m = F.fit_head(Xf, fit["overall"])
    t = F.pearson_neg(-F.predict_overall(Xt, m), test["overall"])
    print(f"{name}: CV ridge {r:.3f} head {n:.3f} | test head {t:.3f}")
