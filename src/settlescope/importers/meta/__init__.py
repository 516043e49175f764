"""Meta (Facebook and Instagram) importers: CrowdTangle, Content Library, insights, DYI.

One submodule a source: :mod:`.crowdtangle`, :mod:`.content_library`, :mod:`.insights` and
:mod:`.dyi`. Importing this package registers all five formats.

Formats
-------
``crowdtangle-json``
    CrowdTangle API ``/posts`` responses ``{status, result: {posts: [...]}}`` (or a JSON array
    of such responses). ``date`` is ``YYYY-MM-DD HH:MM:SS`` in UTC; ``platformId`` is
    ``<page id>_<post id>``; reactions are the sum of ``statistics.actual`` reaction counts.
``crowdtangle-csv``
    CrowdTangle dashboard CSV downloads. Facebook lists (``Page Name`` or ``Group Name``,
    ``User Name``, ``Facebook Id``, ``Post Created`` ... ``Sponsor Category``, an
    ``Overperforming Score (...)`` column) and Instagram lists (``Account``, ``User Name``,
    ``Followers at Posting``, ``Post Created``, ``Type``, ``Likes``, ``Comments``, ``Views``,
    ``URL``, ``Link``, ``Photo``, ``Title``, ``Description``). ``Post Created`` carries the
    dashboard's time zone as an abbreviation (``2021-01-15 10:00:00 EST``): the North American
    and European abbreviations in :data:`ZONE_ABBR` are understood; any other needs
    ``--time-zone``. The post id is taken from ``URL``; Facebook ids are written
    ``<Facebook Id>_<post id>`` as the CrowdTangle API does, so both formats merge.
``meta-content-library-csv``
    Meta Content Library CSV exports of posts. Accepted columns (see :data:`MCL_COLUMNS`):
    ``id``, ``creation_time``, ``text``, ``post_owner.id|name|type|username`` (Facebook) or
    ``owner.id|username|name`` (Instagram), ``statistics.reaction_count``
    (``statistics.like_count`` on Instagram), ``statistics.comment_count``,
    ``statistics.share_count``, ``statistics.views`` (or ``statistics.view_count``),
    ``link_attachment.link``, ``lang``; ``is_branded_content`` and ``match_type`` are read
    but not stored. Times are ISO 8601 (``Z``, ``+0000`` or ``+00:00``), epoch seconds, or
    zone-less UTC.
``meta-insights-csv``
    Facebook Page and Instagram insights exported from Meta Business Suite (and the legacy
    Facebook Page Insights "Page data" export); see :func:`parse_insights` for the layouts.
``facebook-dyi-json``
    "Download Your Information" JSON from Facebook and Instagram: message threads
    (``messages/inbox/<thread>/message_N.json``), ``your_posts_N.json`` and ``comments.json``.
    Meta writes UTF-8 bytes escaped as Latin-1 code points ("mojibake"); :func:`fix_mojibake`
    repairs every string that round-trips.
"""

from __future__ import annotations

# Importing the submodules registers their importers; keep the order they have always been
# registered in (detection lists tied formats in registry order).
# isort: off
from settlescope.importers.meta import crowdtangle  # crowdtangle-json, crowdtangle-csv
from settlescope.importers.meta import content_library  # meta-content-library-csv
from settlescope.importers.meta import insights  # meta-insights-csv
from settlescope.importers.meta import dyi  # facebook-dyi-json

# isort: on
from settlescope.importers.meta.content_library import MCL_COLUMNS, parse_meta_content_library
from settlescope.importers.meta.crowdtangle import (
    ZONE_ABBR,
    parse_crowdtangle_csv,
    parse_crowdtangle_json,
    parse_ct_created,
)
from settlescope.importers.meta.dyi import fix_mojibake, parse_facebook_dyi
from settlescope.importers.meta.insights import insight_metric, parse_insight_date, parse_insights

__all__ = [
    "MCL_COLUMNS",
    "ZONE_ABBR",
    "content_library",
    "crowdtangle",
    "dyi",
    "fix_mojibake",
    "insight_metric",
    "insights",
    "parse_crowdtangle_csv",
    "parse_crowdtangle_json",
    "parse_ct_created",
    "parse_facebook_dyi",
    "parse_insight_date",
    "parse_insights",
    "parse_meta_content_library",
]
