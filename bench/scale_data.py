"""The synthetic data of bench/scale.py: vectors from topic centroids (``TopicEncoder``) and short English
articles with people, places and numbers shared within a story (``make_article``)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from narratrace.embed import Encoder
from narratrace.model import BODY, TITLE, Article, Passage

_REF = re.compile(r"\bref (\d+)\b")

PEOPLE = ["Maria Keller", "Ahmed Rahimi", "John Okafor", "Elena Petrova", "Luis Ortega", "Yuki Tanaka",
          "Fatima Haddad", "Piotr Nowak", "Grace Mensah", "Omar Farouk", "Sofia Rossi", "Daniel Weber",
          "Aisha Bello", "Mehmet Yilmaz", "Chen Wei", "Anna Lindqvist", "Kofi Asante", "Ines Duarte",
          "Rahul Mehta", "Clara Moreau", "Ivan Sokolov", "Nadia Benali", "Tom Fischer", "Lucia Gomez"]
CITIES = ["Hamburg", "Lagos", "Kraków", "Valencia", "Osaka", "Izmir", "Nairobi", "Lyon", "Porto", "Gdańsk",
          "Accra", "Bologna", "Rotterdam", "Tashkent", "Quito", "Adelaide", "Bergen", "Sevilla", "Cebu",
          "Lviv", "Kumasi", "Tampere", "Leipzig", "Mombasa", "Cádiz", "Antalya", "Brno", "Malmö", "Pune"]
EVENTS = ["flood", "port strike", "bridge collapse", "election recount", "factory fire", "drought",
          "rail strike", "power cut", "chemical spill", "court ruling", "trade deal", "heatwave"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class TopicEncoder(Encoder):
    """Synthetic vectors: topic centroid (from a "ref <n>" marker) plus noise seeded by the text's hash."""

    name = "synthetic-topics"

    def __init__(self, dim: int = 384, topics: int = 300, noise: float = 0.8, batch_size: int = 256) -> None:
        super().__init__(batch_size=batch_size)
        self.dim = dim
        self.noise = noise
        c = np.random.default_rng(12345).standard_normal((topics, dim)).astype(np.float32)
        self.centroids = c / np.linalg.norm(c, axis=1, keepdims=True)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            h = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
            m = _REF.search(text)
            topic = int(m.group(1)) if m else h
            noise = np.random.default_rng(h).standard_normal(self.dim).astype(np.float32) / np.sqrt(self.dim)
            out[row] = self.centroids[topic % len(self.centroids)] + self.noise * noise
        return out


def story_passages(story: int, topic: int, variant: int) -> list[str]:
    """Three short passages of one story (shared names, places, numbers); ``variant`` changes wording."""
    person, other = PEOPLE[story % len(PEOPLE)], PEOPLE[(story // 5 + 3) % len(PEOPLE)]
    city, event = CITIES[(story // 3) % len(CITIES)], EVENTS[story % len(EVENTS)]
    n, m = 1000 + (story * 37) % 90000, 3 + story % 40
    day = DAYS[variant % 7]
    return [f"{event.capitalize()} in {city}: {n:,} affected (ref {topic})",
            f"{person} told reporters in {city} on {day} that {n:,} residents were affected by the {event} "
            f"and {m} districts remain closed (ref {topic}, v{variant}).",
            f"According to {other}, the {event} in {city} will cost {m * 3} million euros; officials expect "
            f"a report by {DAYS[(variant + 2) % 7]} (ref {topic}, item {variant})."]


def make_article(aid: str, story: int, topic: int, variant: int) -> Article:
    texts = story_passages(story, topic, variant)
    passages, pos = [], 0
    for k, t in enumerate(texts):
        passages.append(Passage(index=k, text=t, start=pos, end=pos + len(t), kind=TITLE if k == 0 else BODY,
                                lang="en", key=" ".join(t.lower().split()), sentences=[(0, len(t))]))
        pos += len(t) + 2
    day = 1 + (story * 7 + variant) % 28
    return Article(id=aid, text="\n\n".join(texts), title=texts[0], outlet=f"outlet{variant % 50}.example",
                   published=f"2024-{1 + story % 12:02d}-{day:02d}", lang="en", passages=passages)
