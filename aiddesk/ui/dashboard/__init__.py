"""The 工作台 (home page): what needs doing today, the money and the archive at a glance."""
