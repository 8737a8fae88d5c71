"""Who is on the team: teams, areas, units, members, invitations."""
