"""narratrace: trace news stories and narratives across languages and outlets."""
__version__ = "0.1.0"
