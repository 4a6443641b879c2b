"""App Home: what a person sees when they open the bot — open incidents and their own items."""
