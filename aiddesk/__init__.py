"""AidDesk (工会帮扶工作台): a union office's hardship-worker aid, offline."""

__version__ = "0.1.0"
