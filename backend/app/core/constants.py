"""Redis key names and tuning numbers, each with the reason for its value.

No other module spells a key prefix. RedBeat's own keys (entries, the due-time sorted
set, the Beat lock) stay where RedBeat puts them, so that stock RedBeat tools and seed
004's `RedBeatSchedulerEntry(...).save()` see the same schedules we do.
"""

from __future__ import annotations

# RedBeat's prefix: entry keys are `redbeat:<name>` as seed 004 shows them. RedBeat's
# own bookkeeping lives under `redbeat::` (schedule zset, statics, lock).
REDBEAT_PREFIX = "redbeat:"
# RedBeat's due-time index: member = entry key, score = next due time (epoch seconds).
REDBEAT_SCHEDULE_KEY = REDBEAT_PREFIX + ":schedule"
# RedBeat's Beat lock, shared with stock RedBeat so the two never both dispatch.
REDBEAT_LOCK_KEY = REDBEAT_PREFIX + ":lock"
# Our own keys live outside RedBeat's prefix, so no schedule name can reach them.
OWN_PREFIX = "batchsched:"

# Leader heartbeat: who leads, since when, last tick. Expires with the lock.
BEAT_LEADER_KEY = OWN_PREFIX + "beat:leader"
# One key per Beat process (leader or standby), so status can list standbys too.
BEAT_INSTANCE_KEY_PREFIX = OWN_PREFIX + "beat:instance:"
# Those keys, scored by when they expire (ms, Redis's clock): status reads them from
# here, not by a SCAN whose cost grows with the whole keyspace.
BEAT_INSTANCES_KEY = OWN_PREFIX + "beat:instances"
# Writers push here so a sleeping Beat wakes at once instead of at its next poll.
BEAT_WAKE_KEY = OWN_PREFIX + "beat:wake"
# A leader releasing the lock pushes its token here; standbys block on it, so one takes
# over at once. Apart from the wake list: a standby must not eat writers' wake-ups.
BEAT_RELEASED_KEY = OWN_PREFIX + "beat:released"
# The leading Beat's pickup of RedBeat's own saves (JSON: keyspace notifications on or
# off, and why), renewed while it leads so status can show it; expires with that Beat.
BEAT_PICKUP_KEY = OWN_PREFIX + "beat:pickup"
# A zset that Beat writes to learn whether Redis sends keyspace events (class z) at all:
# its own event arriving says so, under rights that include no CONFIG.
BEAT_PICKUP_PROBE_KEY = OWN_PREFIX + "beat:pickup-probe"
# name -> hash of the file definition last applied; tells "edited in the file" apart
# from "edited through the API" across restarts.
FILE_INDEX_KEY = OWN_PREFIX + "file:index"
# JSON: result of the last schedules.json sync (ok or the error), for status and CLI.
FILE_SYNC_STATE_KEY = OWN_PREFIX + "file:sync"

# Audit trail (app/schedules/audit.py): per schedule name, a stream of its changes
# (who, what, when), capped by AUDIT_PER_SCHEDULE; kept AUDIT_DELETED_KEEP_DAYS after
# the schedule is deleted, so "who deleted it" stays answerable, and kept forever while
# it exists. A name is not a key prefix of its own: the name follows the prefix as is.
AUDIT_KEY_PREFIX = OWN_PREFIX + "audit:"
# Every schedule's changes in one capped stream: Beat reads it to log each change it
# picks up. A feed, not an archive: it only has to outlast Beat's loop interval.
AUDIT_ALL_KEY = OWN_PREFIX + "audit-all"
AUDIT_ALL_MAX = 10_000
# Changes Beat reads from the feed per pass; a larger burst is logged over the next passes.
AUDIT_FEED_BATCH = 500

# Run history and execution policy (app/schedules/runs.py has the record's shape).
# Per schedule name: a stream of finished records, counters, fires in progress (a
# zset of task ids scored by lease expiry) and the one fire `buffer_one` holds back.
HISTORY_KEY_PREFIX = OWN_PREFIX + "hist:"
STATS_KEY_PREFIX = OWN_PREFIX + "stats:"
INFLIGHT_KEY_PREFIX = OWN_PREFIX + "inflight:"
BUFFER_KEY_PREFIX = OWN_PREFIX + "buffer:"
# Every schedule's records in one stream, for queries across schedules (capped).
HISTORY_ALL_KEY = OWN_PREFIX + "hist-all"
# name -> time of its last record: which per-schedule streams exist, for the report
# and the clean-up.
HISTORY_NAMES_KEY = OWN_PREFIX + "hist-names"
# name -> consecutive failures, for schedules whose last run failed.
FAILING_KEY = OWN_PREFIX + "failing"
# task id -> hash of a fire in progress; after it ends, where its record went.
RUN_KEY_PREFIX = OWN_PREFIX + "run:"
# task id -> lease expiry, across schedules: Beat finds lost runs here.
LEASES_KEY = OWN_PREFIX + "leases"
# lock_key -> the task id holding it (expires with its lease).
LOCK_GROUP_KEY_PREFIX = OWN_PREFIX + "lockgroup:"
# Seed 000's numeric job ids (`/scheduler/jobs/1`): name -> id, id -> name, and the
# counter they are drawn from. The counter only grows, so an id in an old link or script
# never names another job; a deleted entry's id goes with it.
JOB_IDS_KEY = OWN_PREFIX + "job-ids"
JOB_NAMES_KEY = OWN_PREFIX + "job-names"
JOB_ID_COUNTER_KEY = OWN_PREFIX + "job-id-counter"
# Every entry key with score 0, so ZRANGEBYLEX reads a page of entries in name order
# without reading every key (the due index is ordered by time, not name).
NAMES_KEY = OWN_PREFIX + "names"
# Global pause (seed 000's scheduler stop): JSON {since, reason, by} while dispatching is
# paused, absent otherwise. Beat's commit script reads it, so a pause fences a batch in
# flight; it has no expiry, so it outlives Beat restarts (and Redis restarts with
# persistence, as ./run.sh's embedded Redis and compose's have).
PAUSED_KEY = OWN_PREFIX + "paused"

# Hash fields of an entry key. `definition` and `meta` are RedBeat's; `manager` is ours
# (spec, origin, version), kept in the same hash so one write covers all three.
FIELD_DEFINITION = "definition"
FIELD_META = "meta"
FIELD_MANAGER = "manager"
# Ours: the slot the last fire served and the send time it goes with ("slot|sent",
# epoch seconds). RedBeat turns every key of `meta` into a constructor argument, so the
# slot cannot ride there; an interval counts its next slot from it, not from the send.
FIELD_SLOT = "slot"

# A wake token older than this is stale: nobody was listening when it was written.
WAKE_TTL_SECONDS = 30
# A Beat instance key outlives a few missed ticks, not more.
INSTANCE_TTL_SECONDS = 15
# RedBeat scores an entry that never runs again with -1; ranges start at 0 to skip them.
NEVER_SCORE = -1.0
# Escape marker for names that would otherwise start with RedBeat's `:` namespace.
NAME_ESCAPE = "%"

# Workers answer a broadcast ping within milliseconds when idle; a second leaves room
# for a busy one without making every status call slow.
WORKER_PING_TIMEOUT = 1.0
# At most this many past-due entries are read to find the overdue ones; the count of
# candidates beyond it is still reported, so a huge backlog stays visible and cheap.
OVERDUE_SCAN_LIMIT = 1000

# Metrics (GET /metrics, docs/metrics.md): counters kept in Redis by the scripts that
# write run history, so every API, worker and Beat process counts into one place and
# any API process can answer a scrape.
# Fires by outcome: a run's final outcome (`succeeded`, ...), `retried` attempts,
# `skipped|<reason>`, `missed|<reason>`.
METRICS_FIRES_KEY = OWN_PREFIX + "metrics:fires"
# Runs by outcome and schedule: `<outcome>|<schedule>`, `<outcome>|_other`.
METRICS_RUNS_KEY = OWN_PREFIX + "metrics:runs"
# Schedules that get a series of their own (at most METRICS_SCHEDULE_LIMIT, first come).
METRICS_NAMED_KEY = OWN_PREFIX + "metrics:named"
# Where the runs of every other schedule are counted: a bounded number of series.
METRICS_OTHER_LABEL = "_other"
# Histograms: one hash each, field <i> = observations in bucket i (1-based, the last
# one past every bound), `sum_us` = their total in microseconds. Changing a bound
# means deleting its key.
METRICS_DURATION_KEY = OWN_PREFIX + "metrics:duration"
METRICS_LATENESS_KEY = OWN_PREFIX + "metrics:lateness"
METRICS_APPLY_KEY = OWN_PREFIX + "metrics:apply"
# Bucket bounds in seconds. Runs: seconds-long collections to hours-long reports.
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600)
# From the slot to the worker's start: Beat's milliseconds, a queue's minutes, an outage.
LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
# From a schedule write to Beat waking for it: milliseconds when Beat waits idle.
APPLY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# Worker presence: each worker's main process keeps `worker:<hostname>` alive (JSON:
# hostname, pid, concurrency, started, last_seen), so status lists workers by reading
# keys instead of a broadcast ping that waits for the slowest answer.
WORKER_KEY_PREFIX = OWN_PREFIX + "worker:"
# How often a worker renews its key, and how long the key outlives the last renewal:
# three missed beats, so a busy host is not dropped, a dead one within 15 s.
WORKER_HEARTBEAT_SECONDS = 5.0
WORKER_TTL_SECONDS = 15
# hostname -> its last heartbeat (epoch seconds): which worker keys to read, without a
# SCAN of the whole keyspace.
WORKERS_INDEX_KEY = OWN_PREFIX + "workers"

# Alerts (app/alerts, docs/alerts.md). Rules read every schedule's records from the
# shared history stream through a consumer group, so each record is looked at by one
# worker process; each alert they raise is queued once in a stream of its own, which
# the delivery loops of all workers share through another group.
ALERTS_STREAM_KEY = OWN_PREFIX + "alerts"
ALERT_RULES_GROUP = "alert-rules"
ALERT_DELIVERY_GROUP = "alert-delivery"
# event id -> 1: an event already queued is never queued again (exactly one alert
# per event however often a record is looked at).
ALERT_SEEN_KEY_PREFIX = OWN_PREFIX + "alert-seen:"
# Per schedule: alerts queued in the current rate window, and how many were held back.
ALERT_RATE_KEY_PREFIX = OWN_PREFIX + "alert-rate:"
ALERT_SUPPRESSED_KEY_PREFIX = OWN_PREFIX + "alert-suppressed:"
# Hash of counters, field "<state>:<kind>" -> count, since the Redis was new. States:
# queued, suppressed (rate limit), delivered, retried (an attempt failed, another
# follows), failed (gave up), unsent (no webhook set), dropped (unreadable event).
# Kinds: run_failed, consecutive_failures, long_run, missed, failed_items.
ALERT_COUNTS_KEY = OWN_PREFIX + "alert-counts"
# Held by the worker whose turn it is to look for runs lasting too long.
ALERT_SCAN_KEY = OWN_PREFIX + "alert-scan"
# Alerts kept in the stream (delivered ones included: it is also their log).
ALERTS_STREAM_MAX = 10_000
# Longer than any re-read of a record (a reclaim after a crash, a restart): two days.
ALERT_SEEN_TTL_SECONDS = 2 * 86400
# When the rules' group is first made (or the history stream was deleted), records of
# the last few minutes are still looked at: those written before any worker ran.
ALERT_BACKLOG_SECONDS = 300
# A record or alert a consumer took and did not acknowledge within this long (its
# process died) is taken over by another; alerts get their delivery's longest run on top.
ALERT_CLAIM_IDLE_SECONDS = 60
# An alert taken over this many times is dropped (and counted): something in it breaks
# every delivery.
ALERT_MAX_DELIVERIES = 5
