"""What auditors read: the stable export of calls and their timelines."""
