"""Ask and act (Housing (Scotland) Act 2025, Part 5): asking about a person's housing,
offering actions to prevent homelessness, and counting the duty without naming anyone."""
