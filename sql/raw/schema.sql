-- Raw tables: what the pipeline observed, append-only, keyed so that a
-- re-run inserts nothing new. Every table users query is derived from
-- these by the models in staging/ and marts/.

create table if not exists raw_articles (
    article_id   varchar primary key,   -- md5 of the canonical URL
    url          varchar not null,      -- canonical URL
    feed_url     varchar,
    feed_guid    varchar,
    outlet       varchar,
    title        varchar,
    published_at timestamptz,
    language     varchar,
    text         varchar,
    content_hash varchar,               -- sha256 of text
    fetched_at   timestamptz not null,
    run_id       varchar
);

create table if not exists raw_deal_mentions (
    mention_id   varchar primary key,   -- md5 of article_id, deal_type, payer, payee
    article_id   varchar not null,
    deal_type    varchar not null,
    payer        varchar not null,
    payee        varchar not null,
    amount       double,
    currency     varchar,
    amount_usd   double,
    stake_pct    double,
    status       varchar not null,
    evidence     varchar,
    confidence   double,
    extracted_at timestamptz not null,
    run_id       varchar
);

-- Every version of every deal (SCD2): a deal gets a new row when its amount,
-- stake or status changes; the row it replaces gets valid_to. So `deals` as it
-- stood at any moment is `valid_from <= t and (valid_to is null or valid_to > t)`,
-- and deal_changes is read from consecutive versions. Written by
-- warehouse/history.py from sql/snapshots/, in the run's transaction.
create table if not exists deal_history (
    deal_id           varchar not null,
    version           integer not null,   -- 1 when first seen, then +1 per change
    deal_type         varchar not null,
    payer             varchar not null,
    payee             varchar not null,
    amount            double,
    currency          varchar,
    amount_usd        double,
    stake_pct         double,
    status            varchar not null,
    changed_fields    varchar[] not null, -- what differs from the version before ([] for version 1)
    amount_article_id varchar,            -- the article each current value comes from
    stake_article_id  varchar,
    status_article_id varchar,
    valid_from        timestamptz not null,
    valid_to          timestamptz,        -- null while this is the deal's current version
    run_id            varchar,
    primary key (deal_id, version)
);

-- The alert outbox: rows are written in the same transaction as the deals
-- that raise them, and never rewritten except for delivered_at.
create table if not exists alerts (
    alert_id     varchar primary key,   -- md5 of what the alert is about: stable across runs
    alert_type   varchar not null,
    deal_id      varchar,
    field        varchar,
    old_value    varchar,
    new_value    varchar,
    created_at   timestamptz not null,
    summary      varchar,
    payload      json,                  -- the deal as it stood when the alert was raised
    delivered_at timestamptz,           -- set once every channel has it
    run_id       varchar
);

-- One row per alert and channel. The channel is the URL exactly as written
-- in the config, ${VAR} placeholders unexpanded, so no secret is stored.
create table if not exists alert_deliveries (
    alert_id     varchar not null,
    channel      varchar not null,
    status       varchar not null,      -- pending | delivered | failed
    attempts     integer not null,
    last_error   varchar,
    last_attempt_at timestamptz,
    delivered_at timestamptz,
    primary key (alert_id, channel)
);

create table if not exists runs (
    run_id            varchar primary key,
    started_at        timestamptz not null,
    ended_at          timestamptz,
    status            varchar not null,   -- running | completed | failed (a run that died shows as failed, "interrupted")
    feeds_tried       integer,
    feeds_failed      integer,
    articles_new      integer,
    articles_skipped  integer,
    articles_failed   integer,
    mentions          integer,
    alerts            integer,
    error             varchar
);

create table if not exists fetch_log (
    run_id     varchar,
    url        varchar not null,
    kind       varchar,                  -- feed | article | robots
    status     integer,
    bytes      bigint,
    ms         integer,
    error      varchar,
    logged_at  timestamptz not null
);

-- Conditional GET: what a feed's server last said about its body (RFC 9110 validators), sent
-- back as If-None-Match / If-Modified-Since so an unchanged feed costs one 304. Written in the
-- run's transaction, and only when every new page of that feed was settled (stored, or refused
-- for good): a 304 must never hide a page that failed for a moment.
create table if not exists http_cache (
    url            varchar primary key,   -- the feed URL as configured
    etag           varchar,
    last_modified  varchar,
    updated_at     timestamptz not null,
    run_id         varchar
);
