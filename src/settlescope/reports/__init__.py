"""Reports: what settlescope renders from the results and the workspace.

Reports read what the measures wrote (``results``, ``node_attributes``) and never compute a
measure themselves. Network maps (:mod:`settlescope.reports.maps`) and the Gephi files
(:mod:`settlescope.reports.graph_files`) share how a scope's network is read back for a
wave (:mod:`settlescope.reports.networks`) and the positions kept for its maps
(:mod:`settlescope.reports.layouts`).
"""
