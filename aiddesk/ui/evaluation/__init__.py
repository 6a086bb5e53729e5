"""The performance self-evaluation (绩效自评表): the year's table and the template editor."""
