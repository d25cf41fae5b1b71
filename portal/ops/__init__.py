"""Running the portal for real: the one worker (leased jobs) and backups.

worker.py runs the jobs of jobs.py on their schedules, each under a lease in SQLite
(leases.py), so two workers never run the same job at once. backup.py makes and
checks backups with SQLite's online backup API.
"""
