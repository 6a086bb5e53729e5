"""The aid-batch area of the window: the batch list, a batch with its recipients and workflow."""
