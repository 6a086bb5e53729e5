"""The domain rules of AidDesk: pure Python, no Qt and no SQL."""
