"""Tasks: duties handed out by the leader and deputies, acknowledged and reported on by members."""
