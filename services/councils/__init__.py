"""Councils context (家园理事会): seats, sessions and the votes that decide a matter's kind."""
