"""Stage 1: readers turn files into ``RawArticle`` records (or ``InputError`` values).

Public surface: ``iter_records(paths) -> Iterator[RawArticle | InputError]``.
"""
