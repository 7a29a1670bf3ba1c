"""CloudTrail over the server's trail (`ec2sim.store.trail`): each answered request as CloudTrail's
event record (`events`), looked up by LookupEvents (`lookup`), kept across restarts (`persistence`)."""
