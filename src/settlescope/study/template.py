"""The commented ``study.toml`` that ``settlescope init`` writes."""

from __future__ import annotations

# The six phases of the programme (DESIGN §2); the synthetic study writes the same.
PHASES_TOML = """
# The programme's phases and their deliverables: `settlescope timeline` draws them as a Gantt
# chart (also in the reports and the Toolkit). A deliverable's status (planned, in progress,
# done) comes from which results exist: `report` names a settlescope deliverable (phase1,
# toolkit) whose measures it needs; `measures` can list families or measure ids instead;
# `wave` is the wave whose results count.
[[phases]]
id = "phase-1"
label = "Phase 1: baseline"
start = 2026-01-01
end = 2026-09-30
  [[phases.deliverables]]
  id = "phase1-report"
  label = "Phase 1 report"
  due = 2026-09-30
  report = "phase1"
  wave = "baseline"
  [[phases.deliverables]]
  id = "toolkit-1"
  label = "Toolkit edition 1"
  due = 2026-09-30
  report = "toolkit"
  wave = "baseline"

[[phases]]
id = "phase-2"
label = "Phase 2: sector and communities"
start = 2026-07-01
end = 2027-01-31
  [[phases.deliverables]]
  id = "phase2-report"
  label = "Report on communities"
  due = 2027-01-31
  measures = ["threads", "scams"]
  wave = "baseline"

[[phases]]
id = "phase-3"
label = "Phase 3: newcomer survey"
start = 2026-10-01
end = 2027-03-31
  [[phases.deliverables]]
  id = "survey-summary"
  label = "Survey summary report"
  due = 2027-03-31
  measures = ["survey"]

[[phases]]
id = "phase-4"
label = "Phase 4: focus groups"
start = 2027-01-01
end = 2027-05-31
  [[phases.deliverables]]
  id = "focus-groups-summary"
  label = "Focus groups summary"
  due = 2027-05-31
  measures = ["qualitative"]

[[phases]]
id = "phase-5"
label = "Phase 5: employer focus groups"
start = 2027-03-01
end = 2027-06-30
  [[phases.deliverables]]
  id = "employers-summary"
  label = "Employer focus groups summary"
  due = 2027-06-30
  measures = ["qualitative"]

[[phases]]
id = "phase-6"
label = "Phase 6: follow-up"
start = 2027-07-01
end = 2028-03-31
  [[phases.deliverables]]
  id = "followup-report"
  label = "Follow-up report"
  due = 2028-03-31
  report = "phase1"
  wave = "followup"
  [[phases.deliverables]]
  id = "toolkit-final"
  label = "Toolkit, final edition"
  due = 2028-03-31
  report = "toolkit"
  wave = "followup"
"""

STUDY_TEMPLATE = """\
# settlescope study file.
# Every key is explained above it. Dates are YYYY-MM-DD. Ids are lower case letters, digits,
# '-' and '_'. After editing, `settlescope status --study DIR` checks the file.

[study]
# A name for reports and the dashboard.
name = "{name}"
# Time zone for sources whose times have no offset (WhatsApp exports). An IANA name.
time_zone = "America/Toronto"
# The programme phase the study is in now (1-6); the Toolkit edition follows it.
phase = 1

[privacy]
# The secret key that pseudonymises private individuals (HMAC-SHA256). It lives OUTSIDE the
# study folder so a shared workspace cannot be re-identified. Keep it safe and back it up:
# the same key gives the same pseudonyms in every wave. The SETTLESCOPE_KEY_FILE environment
# variable overrides this path.
key_file = "{key_file}"
# Replace private individuals' ids, handles and names with stable pseudonyms at import.
pseudonymise = true
# Redact personal data (phone numbers, emails, roster names) from free text at import.
redact_text = false
# Keep client-level rows of offline client records (otherwise only aggregates are stored).
store_client_rows = false

# Waves of data collection. The follow-up repeats the baseline measures.
[[waves]]
id = "baseline"
label = "Baseline (phase 1)"
start = 2026-01-01
end = 2026-06-30

[[waves]]
id = "followup"
label = "Follow-up (phase 6)"
start = 2027-07-01
end = 2027-12-31

# Partners: the settlement provider organizations taking part. Repeat [[partners]] for each.
# [[partners]]
# id = "p01"
# name = "Example Newcomer Centre"
# region = "Ontario"
# type = "settlement-agency"
# time_zone = "America/Toronto"   # optional: overrides the study's zone for this partner
#   # Its accounts, one table per account. Accounts listed here keep their handles.
#   [[partners.accounts]]
#   platform = "facebook"          # facebook instagram whatsapp telegram x tiktok youtube
#                                  # reddit mastodon bluesky linkedin web other
#   handle = "examplenewcomers"
#   id = "1234567890"              # optional: the platform's numeric id
#   kind = "page"                  # organization person group channel page

# Other organizations of the sector (same keys as partners).
# [[sector]]
# id = "s01"
# name = "Another Immigrant Services"
# region = "Alberta"
# type = "settlement-agency"

{phases}
[taxonomies]
# Taxonomies applied to text, by id and version.
use = ["ircc-services-v1", "topics-v1", "scams-v1"]

# Named column mappings for the generic CSV/NDJSON importer, used with
# `settlescope import FILE --format generic-csv --mapping NAME`.
# Canonical fields for items: platform_id, text, author, created_at, thread_id, parent_id,
# container, kind, language, reactions, comments, shares, views, url, author_name.
# For interactions: source, target, kind, created_at, weight, text.
# [mappings.my_export]
# format = "csv"
# platform = "facebook"
# table = "items"
# columns = {{ platform_id = "post_id", text = "message", author = "from", created_at = "time" }}

# Parameters of measures, one table per measure id. `settlescope measures` lists every
# measure with its parameters and their defaults; leave a table out to use the defaults.
# [measures.item-volume]
# kinds = ["post", "comment", "reply", "message"]
"""
