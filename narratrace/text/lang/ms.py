"""Malay: shares Indonesian's patterns; its marker words let it be told apart from Indonesian."""
from __future__ import annotations

from .id import Indonesian

MONTHS = dict(Indonesian.months)
MONTHS.update({"mac": 3, "jun": 6, "julai": 7, "ogos": 8, "disember": 12})


class Malay(Indonesian):
    lang = "ms"
    name = "Malay"
    months = MONTHS
    weekdays = frozenset({"Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad"})
    #: Malaysian spellings or words that Indonesian writes differently
    marker_words = frozenset({
        "kerana", "iaitu", "bahawa", "baharu", "sahaja", "mahu", "wang", "selepas", "kenderaan",
        "kesihatan", "polis", "ogos", "julai", "disember", "khamis", "jumaat", "isnin", "syarikat", "perancis",
        "kualiti", "aktiviti", "hospital", "berhubung", "menerusi", "tarikh", "kakitangan",
        "jabatan", "kempen", "universiti", "televisyen", "sebarang", "berkenaan", "manakala",
        "perlembagaan", "pertubuhan", "mencuba", "sukar", "ahad", "pejabat", "teksi", "orang ramai", "dijangka",
        "berikutan", "membaiki", "rosak", "pakej", "siasatan", "kenyataan", "mangsa",
    })


LANGUAGE = Malay
