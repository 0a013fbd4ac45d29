"""Market order (the notice's point 7): complaints about businesses, and self-discipline pledges."""
