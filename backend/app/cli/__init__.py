"""The operator CLI (`batchsched-cli`, behind ./check_schedules.sh): terminal only.

Every rule lives in app/schedules; this package parses arguments, calls the domain
layer, and prints what came back.
"""
