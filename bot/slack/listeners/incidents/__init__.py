"""Slack listeners of the incidents feature."""
