"""Numbered schema migrations, run on open (``PRAGMA user_version``).

Append new migrations to ``MIGRATIONS``; never edit one that has shipped. Each is tested from
the empty database and from the version before it (tests/data/test_migrations.py).
"""

from __future__ import annotations

# Every record an AM creates carries a globally unique id (uuid4 hex) and the AM's id, so the
# databases of several AMs can be merged without collisions.
V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE retailers (
    code TEXT PRIMARY KEY,
    -- basic 基础信息
    name TEXT NOT NULL,
    licence_no TEXT,
    owner TEXT,
    settlement TEXT,
    order_day TEXT,
    status TEXT NOT NULL DEFAULT '正常'
        CHECK (status IN ('正常', '暂停', '歇业', '注销')),
    -- network 网络信息
    nature TEXT,
    registered_capital TEXT,
    display_form TEXT,
    district TEXT,
    floor_area REAL,
    am_name TEXT,
    phone_clerk TEXT,
    deliverer TEXT,
    route TEXT,
    route_seq INTEGER,
    order_batch TEXT,
    visit_batch TEXT,
    order_frequency TEXT,
    business_format TEXT,
    market_type TEXT,
    scale TEXT,
    -- management 管理信息
    licence_type TEXT,
    compliance TEXT,
    issuing_bureau TEXT,
    monopoly_officer TEXT,
    credit_grade TEXT,
    monitored INTEGER NOT NULL DEFAULT 0,
    model_outlet INTEGER NOT NULL DEFAULT 0,
    licence_issued TEXT,
    licence_expiry TEXT,
    annual_review TEXT,
    -- operations 经营信息
    business_condition TEXT,
    cooperation TEXT,
    characteristics TEXT,
    trade_area TEXT,
    debit_failures INTEGER NOT NULL DEFAULT 0,
    -- personal 个人信息
    contact TEXT,
    phone TEXT,
    address TEXT,
    mailing_address TEXT,
    vulnerable INTEGER NOT NULL DEFAULT 0,
    birthday TEXT,
    -- imported columns we do not know, as a JSON object
    extra TEXT NOT NULL DEFAULT '{}',
    -- derived (never typed): written by recompute
    tier INTEGER,
    monthly_avg_jian REAL,
    category_code TEXT,
    category_name TEXT,
    level INTEGER,
    avg_price REAL,
    value_class TEXT,
    value_score REAL,
    derived_as_of TEXT,
    derived_why TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX retailers_route ON retailers (route, route_seq);
CREATE INDEX retailers_status ON retailers (status);
CREATE INDEX retailers_tier ON retailers (tier);
CREATE INDEX retailers_licence ON retailers (licence_no);
CREATE INDEX retailers_phone ON retailers (phone);

CREATE TABLE retailer_changes (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    retailer_code TEXT NOT NULL REFERENCES retailers (code),
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX retailer_changes_retailer ON retailer_changes (retailer_code, changed_at);

CREATE TABLE brands (
    brand_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    manufacturer TEXT,
    class TEXT,
    wholesale_price REAL,
    guide_price REAL,
    is_key INTEGER NOT NULL DEFAULT 0,
    is_new INTEGER NOT NULL DEFAULT 0,
    launch_date TEXT
);

-- Raw order lines, 条. No foreign key: an export may name retailers not (yet) in the store.
CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    retailer_code TEXT NOT NULL,
    order_date TEXT NOT NULL,
    brand_code TEXT NOT NULL,
    brand_name TEXT,
    qty_tiao REAL NOT NULL,
    amount REAL NOT NULL,
    price REAL
);
CREATE UNIQUE INDEX order_lines_key ON order_lines (retailer_code, order_date, brand_code);
CREATE INDEX order_lines_date ON order_lines (order_date);

-- Aggregates kept up to date on every write of order lines: screens never scan order_lines.
CREATE TABLE monthly_sales (
    retailer_code TEXT NOT NULL,
    month TEXT NOT NULL,
    qty_tiao REAL NOT NULL,
    amount REAL NOT NULL,
    lines INTEGER NOT NULL,
    PRIMARY KEY (retailer_code, month)
) WITHOUT ROWID;
CREATE INDEX monthly_sales_month ON monthly_sales (month);

CREATE TABLE monthly_brand_sales (
    retailer_code TEXT NOT NULL,
    month TEXT NOT NULL,
    brand_code TEXT NOT NULL,
    qty_tiao REAL NOT NULL,
    amount REAL NOT NULL,
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    PRIMARY KEY (retailer_code, month, brand_code)
) WITHOUT ROWID;
CREATE INDEX monthly_brand_sales_brand ON monthly_brand_sales (brand_code, month);

CREATE TABLE visit_plans (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    month TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved')),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    approved_at TEXT,
    note TEXT
);

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    plan_id TEXT REFERENCES visit_plans (id) ON DELETE SET NULL,
    retailer_code TEXT NOT NULL REFERENCES retailers (code),
    planned_date TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'checked_in', 'done', 'skipped', 'rescheduled')),
    reasons TEXT NOT NULL DEFAULT '[]',
    measures TEXT NOT NULL DEFAULT '[]',
    adhoc INTEGER NOT NULL DEFAULT 0,
    checked_in_at TEXT,
    done_at TEXT,
    skip_reason TEXT,
    rescheduled_to TEXT,
    origin_visit_id TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX visits_date ON visits (planned_date, seq);
CREATE INDEX visits_retailer ON visits (retailer_code, planned_date);

CREATE TABLE captures (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    visit_id TEXT REFERENCES visits (id),
    retailer_code TEXT REFERENCES retailers (code),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    is_draft INTEGER NOT NULL DEFAULT 1,
    captured_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX captures_retailer ON captures (retailer_code, captured_on);
CREATE INDEX captures_date ON captures (captured_on, kind);
CREATE INDEX captures_visit ON captures (visit_id);

CREATE TABLE price_observations (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    capture_id TEXT REFERENCES captures (id) ON DELETE CASCADE,
    visit_id TEXT REFERENCES visits (id),
    retailer_code TEXT NOT NULL REFERENCES retailers (code),
    brand_code TEXT NOT NULL REFERENCES brands (brand_code),
    observed_on TEXT NOT NULL,
    retail_price REAL,
    guide_price REAL,
    marked_price INTEGER,
    stock_tiao INTEGER,
    on_shelf INTEGER,
    is_draft INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX price_obs_retailer ON price_observations (retailer_code, observed_on);
CREATE INDEX price_obs_brand ON price_observations (brand_code, observed_on);

CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    retailer_code TEXT NOT NULL REFERENCES retailers (code),
    capture_id TEXT REFERENCES captures (id),
    visit_id TEXT REFERENCES visits (id),
    category TEXT NOT NULL,
    department TEXT NOT NULL,
    am_share TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'forwarded', 'answered', 'closed')),
    forwarded_on TEXT,
    answered_on TEXT,
    closed_on TEXT,
    description TEXT NOT NULL,
    answer TEXT,
    resolution TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX complaints_retailer ON complaints (retailer_code, status);
CREATE INDEX complaints_status ON complaints (status, due_on);

CREATE TABLE weekly_reports (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    week TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    narrative TEXT NOT NULL DEFAULT '{}',
    figures TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (week, version)
);
"""

# Retailer lookup (data/search.py, domain/search_keys.py): each retailer's keys, and two
# indexes over them. ``lcp`` makes every retailer count once per query (see search_keys.py).
# Pinyin needs Python, so an existing database is only marked here; the first search (or
# ``store.rebuild_search_index()``) fills the index.
V_SEARCH = """
CREATE TABLE search_keys (
    rid INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    code_key TEXT NOT NULL,
    licence TEXT NOT NULL,
    phone TEXT NOT NULL,
    initials TEXT NOT NULL,
    pinyin TEXT NOT NULL
);
CREATE TABLE search_prefix (
    rid INTEGER NOT NULL,
    key TEXT NOT NULL,
    lcp INTEGER NOT NULL,
    PRIMARY KEY (rid, key)
) WITHOUT ROWID;
CREATE INDEX search_prefix_key ON search_prefix (lcp, key, rid);
CREATE TABLE search_suffix (
    lcp INTEGER NOT NULL,
    suffix TEXT NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (lcp, suffix, rid)
) WITHOUT ROWID;
INSERT INTO meta (key, value) SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM retailers);
"""

# Lookup: how many retailers each one- and two-character query finds, kept on every index
# write, so that the commonest keystrokes (one digit, one character) are counted without
# walking up to every retailer. The next search fills it (stale mark).
V_SEARCH_COUNTS = """
CREATE TABLE search_counts (
    gram TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM retailers)
    ON CONFLICT (key) DO UPDATE SET value = '1';
"""

# Order lines keyed by (order date, retailer, brand) in one b-tree (WITHOUT ROWID): no rowid
# table beside a unique index, and no separate date index. The key leads with the date, so the
# readers by date range (brand figures, weekly reports), the replacement of an imported period
# and the monthly aggregates (built month by month) are range scans of the key; an import in
# date order appends. Column order unchanged; the synthetic ``id`` is gone (nothing read it).
V_ORDER_LINES_KEYED = """
CREATE TABLE order_lines_keyed (
    retailer_code TEXT NOT NULL,
    order_date TEXT NOT NULL,
    brand_code TEXT NOT NULL,
    brand_name TEXT,
    qty_tiao REAL NOT NULL,
    amount REAL NOT NULL,
    price REAL,
    PRIMARY KEY (order_date, retailer_code, brand_code)
) WITHOUT ROWID;
INSERT INTO order_lines_keyed (retailer_code, order_date, brand_code, brand_name, qty_tiao,
    amount, price)
    SELECT retailer_code, order_date, brand_code, brand_name, qty_tiao, amount, price
    FROM order_lines ORDER BY order_date, retailer_code, brand_code;
DROP TABLE order_lines;
ALTER TABLE order_lines_keyed RENAME TO order_lines;
"""

# monthly_brand_sales without first_date / last_date: nothing read them, and every import of
# order lines paid for them (two more text columns in each of its largest aggregate's rows).
# Rebuilt rather than ALTER TABLE … DROP COLUMN, which older SQLite libraries lack.
V_BRAND_SALES_NO_DATES = """
CREATE TABLE monthly_brand_sales_new (
    retailer_code TEXT NOT NULL,
    month TEXT NOT NULL,
    brand_code TEXT NOT NULL,
    qty_tiao REAL NOT NULL,
    amount REAL NOT NULL,
    PRIMARY KEY (retailer_code, month, brand_code)
) WITHOUT ROWID;
INSERT INTO monthly_brand_sales_new (retailer_code, month, brand_code, qty_tiao, amount)
    SELECT retailer_code, month, brand_code, qty_tiao, amount FROM monthly_brand_sales
    ORDER BY retailer_code, month, brand_code;
DROP TABLE monthly_brand_sales;
ALTER TABLE monthly_brand_sales_new RENAME TO monthly_brand_sales;
CREATE INDEX monthly_brand_sales_brand ON monthly_brand_sales (brand_code, month);
"""

# The monthly market analysis kept as numbered versions, like the weekly report (the AM's
# narrative parts: problems and causes, improvements, next month's targets); and the warnings
# the plan generator gave, stored with the plan (they go into the plan document).
V_MONTHLY_REPORTS = """
CREATE TABLE monthly_reports (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    month TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    narrative TEXT NOT NULL DEFAULT '{}',
    figures TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (am_id, month, version)
);
ALTER TABLE visit_plans ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
"""

# Forecasts (data/forecasts.py): one row per run (when, as of which date, from which order
# data, the held-out backtest as JSON) and one per target month × area / retailer / retailer ×
# brand (forecast and interval in 条, the method and why). A month's accuracy scores the last
# run made before the month began; runs are only ever added.
V_FORECASTS = """
CREATE TABLE forecast_runs (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    month TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    data_stamp TEXT NOT NULL,
    data_through TEXT,
    data_lines INTEGER NOT NULL,
    history_from TEXT,
    history_to TEXT,
    series INTEGER NOT NULL,
    seconds REAL,
    cpu_seconds REAL,
    backtest TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX forecast_runs_as_of ON forecast_runs (as_of, computed_at);
CREATE TABLE forecasts (
    run_id TEXT NOT NULL REFERENCES forecast_runs (id) ON DELETE CASCADE,
    target_month TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('area', 'retailer', 'brand')),
    retailer_code TEXT NOT NULL DEFAULT '',
    brand_code TEXT NOT NULL DEFAULT '',
    qty_tiao REAL NOT NULL,
    lo_tiao REAL NOT NULL,
    hi_tiao REAL NOT NULL,
    method TEXT NOT NULL,
    windows INTEGER NOT NULL DEFAULT 0,
    wape REAL,
    baseline_wape REAL,
    why TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, target_month, level, retailer_code, brand_code)
) WITHOUT ROWID;
CREATE INDEX forecasts_retailer ON forecasts (retailer_code, target_month);
"""

# What happened to the day's visits after the plan was made. ``visit_actions``: each action of
# the AM on a visit (check in, finish, skip, reschedule, revisit, ad-hoc visit) with the visit's
# columns as they were, so the day's last actions can be undone. ``plan_changes``: each missed
# visit carry-over brought back (补访), so a plan approved before says what changed in it.
V_VISIT_LOG = """
CREATE TABLE visit_actions (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    visit_id TEXT NOT NULL,
    action TEXT NOT NULL,
    on_day TEXT NOT NULL,
    before TEXT NOT NULL DEFAULT '{}',
    new_visit_id TEXT,
    created_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX visit_actions_day ON visit_actions (on_day, created_at);

CREATE TABLE plan_changes (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    plan_id TEXT REFERENCES visit_plans (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    retailer_code TEXT,
    visit_id TEXT,
    new_visit_id TEXT,
    merged INTEGER NOT NULL DEFAULT 0,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX plan_changes_from ON plan_changes (from_day);
CREATE INDEX plan_changes_to ON plan_changes (to_day);
"""

# Lookup as bitmaps of retailers per search token (data/search.py, domain/search_keys.py),
# replacing the suffix tables: about a tenth of their size, and exact at every query length.
# Pinyin needs Python, so the index is only marked stale here; the first search fills it.
V_SEARCH_BITMAPS = """
DROP TABLE search_suffix;
DROP TABLE search_prefix;
DROP TABLE search_counts;
DROP TABLE search_keys;
CREATE TABLE search_keys (
    rid INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    sig INTEGER NOT NULL
);
CREATE TABLE search_postings (
    key TEXT NOT NULL,
    pos INTEGER NOT NULL,
    rare INTEGER NOT NULL,
    rids BLOB NOT NULL,
    PRIMARY KEY (key, pos, rare)
) WITHOUT ROWID;
CREATE TABLE search_delta (
    key TEXT NOT NULL,
    pos INTEGER NOT NULL,
    rare INTEGER NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (key, pos, rare, rid)
) WITHOUT ROWID;
CREATE INDEX search_delta_rid ON search_delta (rid);
CREATE TABLE search_dead (rid INTEGER PRIMARY KEY);
CREATE TABLE search_long (rid INTEGER PRIMARY KEY);
DELETE FROM meta WHERE key = 'search_built_rids';
INSERT INTO meta (key, value) SELECT 'search_index_stale', '1' WHERE EXISTS (SELECT 1 FROM retailers)
    ON CONFLICT (key) DO UPDATE SET value = '1';
"""

# One AM among many. Records keep their ``am_id`` (the database's own AM, named by the meta
# keys am_code / am_name). A team database (``khtui team merge``) holds every AM's records in
# the same tables: plans and weekly reports become unique per AM; every record an AM creates
# gets ``source_id``, the merged file it came from (NULL in an AM's own database); the team's
# own tables say which files were merged (team_sources), who the AMs are (team_ams) and whose
# books each retailer is on (team_books). ``reviews`` holds the market manager's decisions on
# plans and retailer changes: written in the team database, carried to the AM by an approval
# file (``khtui import approvals``). A returned plan has the status 'returned'.
# visit_plans is rebuilt; dropping the old table sets visits.plan_id to NULL (ON DELETE SET
# NULL), so the links are kept aside and restored.
V_TEAM = """
CREATE TEMP TABLE _plan_links AS SELECT id, plan_id FROM visits WHERE plan_id IS NOT NULL;
CREATE TABLE visit_plans_new (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    month TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    approved_at TEXT,
    note TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    source_id INTEGER,
    UNIQUE (am_id, month)
);
INSERT INTO visit_plans_new (id, am_id, month, status, created_at, submitted_at, approved_at, note,
    warnings)
    SELECT id, am_id, month, status, created_at, submitted_at, approved_at, note, warnings
    FROM visit_plans;
DROP TABLE visit_plans;
ALTER TABLE visit_plans_new RENAME TO visit_plans;
UPDATE visits SET plan_id = (SELECT l.plan_id FROM temp._plan_links l WHERE l.id = visits.id)
    WHERE id IN (SELECT id FROM temp._plan_links);
DROP TABLE temp._plan_links;
CREATE TABLE weekly_reports_new (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    week TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    narrative TEXT NOT NULL DEFAULT '{}',
    figures TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    source_id INTEGER,
    UNIQUE (am_id, week, version)
);
INSERT INTO weekly_reports_new (id, am_id, week, version, status, narrative, figures, created_at,
    updated_at, submitted_at)
    SELECT id, am_id, week, version, status, narrative, figures, created_at, updated_at,
    submitted_at FROM weekly_reports;
DROP TABLE weekly_reports;
ALTER TABLE weekly_reports_new RENAME TO weekly_reports;
CREATE INDEX weekly_reports_week ON weekly_reports (week, version);
ALTER TABLE retailers ADD COLUMN source_id INTEGER;
ALTER TABLE retailer_changes ADD COLUMN source_id INTEGER;
ALTER TABLE visits ADD COLUMN source_id INTEGER;
ALTER TABLE captures ADD COLUMN source_id INTEGER;
ALTER TABLE price_observations ADD COLUMN source_id INTEGER;
ALTER TABLE complaints ADD COLUMN source_id INTEGER;
ALTER TABLE monthly_reports ADD COLUMN source_id INTEGER;
ALTER TABLE visit_actions ADD COLUMN source_id INTEGER;
ALTER TABLE plan_changes ADD COLUMN source_id INTEGER;
ALTER TABLE forecast_runs ADD COLUMN source_id INTEGER;
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    am_id TEXT NOT NULL,
    subject TEXT NOT NULL CHECK (subject IN ('plan', 'change')),
    subject_id TEXT NOT NULL,
    -- the version decided on: the plan's submitted_at, the change's changed_at (not the
    -- clocks of two machines compared)
    subject_stamp TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'returned', 'confirmed', 'rejected')),
    comment TEXT,
    decided_at TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    received_at TEXT,
    source_id INTEGER
);
CREATE INDEX reviews_subject ON reviews (subject, subject_id, decided_at);
CREATE TABLE team_sources (
    id INTEGER PRIMARY KEY,
    am_id TEXT NOT NULL,
    am_code TEXT,
    am_name TEXT,
    path TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    last_write TEXT,
    merged_at TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE team_ams (
    am_id TEXT PRIMARY KEY,
    code TEXT,
    name TEXT,
    last_source_id INTEGER NOT NULL,
    last_write TEXT,
    merged_at TEXT NOT NULL
);
CREATE TABLE team_books (
    retailer_code TEXT NOT NULL,
    am_id TEXT NOT NULL,
    updated_at TEXT,
    PRIMARY KEY (retailer_code, am_id)
) WITHOUT ROWID;
CREATE INDEX team_books_am ON team_books (am_id);
"""

# Indexes for the reports' figures at a city's scale. A retailer's row is large (some 3 KB with
# the why of its classifications), so the month's coverage (the active retailers not visited,
# in route order, with their names), the active retailers' codes (brand figures) and the name
# and route beside a week's visits, observations and complaints are read from two small
# covering indexes instead of the rows; the observations of a week or a period (prices,
# stock, shelves) by their day instead of a skip-scan of the brand index; the retailers
# visited in a month (a done visit on its day of finishing, else its planned day) from the done
# visits of those days instead of a scan of every visit.
V_REPORT_INDEXES = """
CREATE INDEX retailers_active_route ON retailers (status, route, route_seq, code, name);
CREATE INDEX retailers_shown ON retailers (code, name, route);
CREATE INDEX visits_done_day ON visits (coalesce(substr(done_at, 1, 10), planned_date),
    retailer_code) WHERE status = 'done';
CREATE INDEX price_obs_day ON price_observations (observed_on);
"""

# A capture's price and stock grid is read, saved, submitted and deleted by its capture, which
# was a scan of every observation (26 ms at 388,000 observations, several times a save).
V_CAPTURE_PRICES = """
CREATE INDEX price_obs_capture ON price_observations (capture_id);
"""

# The rules a recompute derived under: a retailer's stored why is its inputs and the digest of
# the rules' sections it was derived under (domain/derive.py), made into words again from them.
V_DERIVE_RULES = """
CREATE TABLE derive_rules (
    digest TEXT PRIMARY KEY,
    rules TEXT NOT NULL
);
"""

MIGRATIONS: list[str] = [
    V1,
    V_SEARCH,
    V_SEARCH_COUNTS,
    V_ORDER_LINES_KEYED,
    V_BRAND_SALES_NO_DATES,
    V_MONTHLY_REPORTS,
    V_FORECASTS,
    V_VISIT_LOG,
    V_SEARCH_BITMAPS,
    V_TEAM,
    V_REPORT_INDEXES,
    V_CAPTURE_PRICES,
    V_DERIVE_RULES,
]

SCHEMA_VERSION = len(MIGRATIONS)
