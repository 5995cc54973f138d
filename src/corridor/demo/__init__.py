"""The demo: a small Luohu–Hong Kong–London corridor and a deterministic business day.

`corridor.demo.run` runs a day (`run_demo`); `corridor.demo.network` is the corridor it
runs on. Nothing is imported here, so the reference data's demo users
(`corridor.reference_data.demo`, which reads the network) can be imported on their own.
"""
