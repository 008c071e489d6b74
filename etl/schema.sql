-- The published database (data/qpv.duckdb). Read by the pages, the indicator functions and by
-- analysts with any SQL tool. Every table states its grain. Codes are text (leading zeros matter).
-- Keys are checked before publishing (etl/checks.py) rather than declared, so that a duplicate is
-- reported with the files it came from instead of aborting an insert.

-- ── Provenance ──────────────────────────────────────────────────────────────────────────────
-- One row per loaded file.
create table sources (
    source_id      varchar not null,   -- 'src_' + first 12 hex digits of sha256
    kind           varchar not null,   -- recognised format: cog_communes, cog_epci, cog_departements,
                                       -- cog_regions, insee_qpv_stats, insee_commune_stats,
                                       -- insee_dictionary, anct_qpv_contours, anct_qpv_list,
                                       -- commune_contours, filosofi_grid, programme_<table>
    producer       varchar,            -- 'INSEE', 'ANCT', 'Ville de Chambéry', …
    title          varchar,
    vintage        varchar,            -- '2021', 'COG 2026', 'QPV 2024', …
    licence        varchar,
    url            varchar,
    file_name      varchar not null,   -- as found (a zip member is 'archive.zip!member.csv')
    sha256         varchar not null,
    rows_read      bigint,
    loaded_at      timestamp not null,
    is_fictional   boolean not null default false
);

-- ── Territories ─────────────────────────────────────────────────────────────────────────────
-- One row per territory_code × territory_level.
-- territory_level: qpv | commune | epci | departement | region | france | qpv_ensemble
--                  | quartier_veille | poche_pauvrete
create table territories (
    territory_code     varchar not null,
    territory_level    varchar not null,
    territory_name     varchar not null,
    geography_vintage  integer,          -- QPV: 2015 or 2024 (2025: overseas list); COG year otherwise
    population         bigint,           -- population municipale when known
    population_year    integer,
    is_fictional       boolean not null default false,
    source_id          varchar not null
);

-- One row per child × parent link (many-to-many: a QPV can span several communes).
create table territory_links (
    child_code    varchar not null,
    child_level   varchar not null,
    parent_code   varchar not null,
    parent_level  varchar not null,
    source_id     varchar not null
);

-- One row per territory contour, WGS84 (EPSG:4326). The full geometry is kept as WKB; the
-- simplified one (for display) as a GeoJSON geometry text that pydeck reads directly.
create table territory_geometries (
    territory_code      varchar not null,
    territory_level     varchar not null,
    geometry_vintage    integer,
    geom_wkb            blob not null,
    geom_simplified_geojson varchar not null,
    centroid_lon        double,
    centroid_lat        double,
    area_m2             double,
    source_id           varchar not null
);

-- ── Contracts (the "territoire" a user selects) ─────────────────────────────────────────────
-- One row per contrat de ville.
create table contracts (
    contract_slug   varchar not null,   -- 'demo', 'grand-chalon', 'chambery', 'chartres-metropole'
    contract_name   varchar not null,
    epci_code       varchar,            -- SIREN of the intercommunality
    period_label    varchar,            -- '2024–2030'
    start_year      integer,
    end_year        integer,
    is_fictional    boolean not null default false,
    source_id       varchar not null
);

-- One row per contract × territory it covers (QPVs, watch-list areas, poverty pockets, communes).
create table contract_territories (
    contract_slug     varchar not null,
    territory_code    varchar not null,
    territory_level   varchar not null,
    note              varchar,           -- e.g. 'quartier de veille jusqu''en 2023, QPV depuis 2024'
    source_id         varchar not null
);

-- ── Indicators ──────────────────────────────────────────────────────────────────────────────
-- One row per indicator known to this database: the registry (indicators/registry.py) plus any
-- variable of a loaded file that the registry does not map (label from the file's dictionary).
create table indicator_catalog (
    indicator_id       varchar not null,
    label              varchar not null,
    unit               varchar,           -- '%', 'EUR/an', 'EUR/mois', 'personnes', 'logements', …
    theme              varchar,
    definition         varchar,
    aggregation        varchar,           -- 'sum' | 'ratio' | 'none'
    higher_is_better   boolean,
    source_label       varchar,
    is_registered      boolean not null   -- declared in indicators/registry.py
);

-- One row per territory × indicator × year. A withheld value is NULL with its status, never 0.
-- status: ok | secret | missing | not_significant | not_applicable
-- origin: official_file (loaded from a statistical file) | published (typed from a document)
--         | computed (derived by the build, e.g. a rate from its numerator and denominator)
create table indicator_facts (
    territory_code    varchar not null,
    territory_level   varchar not null,
    indicator_id      varchar not null,
    year              integer not null,
    value             double,
    numerator         double,
    denominator       double,
    status            varchar not null,
    status_note       varchar,            -- the marker or flag as found ('s', 'nd', NOTE_FILO=1, …)
    origin            varchar not null,
    source_variable   varchar,            -- column of the source file ('MED21', 'DISP_MED_A19')
    source_note       varchar,            -- producer/vintage as the document cites it ('Insee 2019')
    document_id       varchar,            -- for origin = published: documents.document_id
    source_ref        varchar,            -- page or section of that document
    is_internal       boolean,            -- true: an internal figure (editors only); NULL/false: public
    source_id         varchar not null,
    year_given        boolean             -- false: the document gives no year (year = its date,
                                          -- for ordering; never displayed); NULL: given
);

-- ── Filosofi 200 m grid ─────────────────────────────────────────────────────────────────────
-- One row per 200 m square (EPSG:3035 lower-left corner), with its WGS84 centre.
create table grid_200m (
    cell_id       varchar not null,     -- Idcar_200m
    x_3035        double not null,
    y_3035        double not null,
    lon           double not null,      -- centre of the square
    lat           double not null,
    commune_codes varchar,              -- lcog_geo (one or several codes)
    ind           double, men double, men_pauv double, ind_snv double,
    men_1ind      double, men_5ind double, men_fmp double, men_prop double, log_soc double,
    ind_0_3 double, ind_4_5 double, ind_6_10 double, ind_11_17 double, ind_18_24 double,
    ind_25_39 double, ind_40_54 double, ind_55_64 double, ind_65_79 double, ind_80p double,
    is_withheld   boolean,              -- a count of the file's row is withheld (empty or marker)
    source_id     varchar not null
);

-- One row per poverty pocket detected by the build on the grid of a contract (default
-- parameters, indicators/pockets.py); read it through the view poverty_pockets.
create table poverty_pocket_results (
    pocket_id                    varchar not null,   -- '<contract>-P01', by population
    territory                    varchar not null,   -- contract_slug
    grid_year                    integer not null,
    n_squares                    integer not null,
    population                   double not null,    -- Σ Ind of its squares (withheld squares never in)
    households                   double not null,    -- Σ Men
    poor_households_pct          double,             -- Σ Men_pauv / Σ Men × 100
    mean_standard_of_living_eur  double,             -- Σ Ind_snv / Σ Ind (EUR/year per person)
    single_parent_households_pct double,             -- Σ Men_fmp / Σ Men × 100
    social_housing_pct           double,             -- Σ Log_soc / Σ Men × 100
    age_0_17_pct double, age_18_24_pct double, age_25_64_pct double, age_65_plus_pct double,
    communes                     varchar not null,   -- commune codes touched, comma-separated
    commune_names                varchar,
    nearest_qpv_code             varchar,
    distance_to_qpv_m            double,             -- 0 when it touches a QPV
    threshold_eur                double not null,    -- S used (EUR/year per UC)
    min_population               double not null,
    contiguity                   varchar not null,   -- 'side' | 'corner'
    geometry_wkt                 varchar not null,   -- WGS84 polygon(s): the union of its squares
    is_fictional                 boolean not null default false
);

-- ── Base Adresse Nationale (addresses → coordinates, offline) ─────────────────────────────
-- One row per BAN address (`adresses-XX.csv(.gz)` as downloaded per département), WGS84.
-- street_key is the normalised street name the matcher compares (indicators/geocode.py).
create table ban_addresses (
    ban_id                      varchar not null,   -- id (e.g. 99001_0042_00012_bis)
    numero                      integer,            -- NULL for a lieu-dit without number
    rep                         varchar,            -- bis, ter, a…
    nom_voie                    varchar not null,
    nom_ld                      varchar,            -- lieu-dit
    alias                       varchar,
    code_postal                 varchar,
    code_insee                  varchar not null,
    nom_commune                 varchar not null,
    code_insee_ancienne_commune varchar,
    nom_ancienne_commune        varchar,
    lon                         double not null,
    lat                         double not null,
    street_key                  varchar not null,
    source_id                   varchar not null
);

-- ── Programme data (local figures, programme template: see etl/template.py) ────────────────
-- One row per document a typed figure comes from.
create table documents (
    contract_slug  varchar not null,
    document_id    varchar not null,
    title          varchar not null,
    producer       varchar,
    published_on   varchar,             -- ISO date or year as the document gives it
    url            varchar,
    licence        varchar,
    source_id      varchar not null
);

-- One row per action × year (an action renewed over several years has one row per year).
create table programme_actions (
    contract_slug          varchar not null,
    action_id              varchar not null,
    year                   integer not null,
    title                  varchar not null,
    operator               varchar,
    theme                  varchar,          -- pillar or priority issue
    is_new                 boolean,
    is_multiyear_agreement boolean,          -- convention pluriannuelle d'objectifs (CPO)
    is_poverty_pocket      boolean,          -- credits for a poche de pauvreté outside QPV
    description            varchar,
    document_id            varchar,
    source_ref             varchar,
    is_internal            boolean,          -- true: internal (editors only, never in public exports)
    source_id              varchar not null
);

-- One row per action × year × territory concerned (QPV, watch-list area, poverty pocket).
create table programme_action_territories (
    contract_slug    varchar not null,
    action_id        varchar not null,
    year             integer not null,
    territory_code   varchar not null,
    source_id        varchar not null
);

-- One row per funding line. funder: ville | epci | etat_p147 | etat_autre | caf | departement
-- | region | bailleur | europe | autre
create table programme_funding (
    contract_slug   varchar not null,
    action_id       varchar,            -- NULL: an envelope not tied to one action
    year            integer not null,
    funder          varchar not null,
    funder_label    varchar,            -- 'FIPDR', 'Chartres métropole', …
    amount_eur      double not null,
    document_id     varchar,
    source_ref      varchar,
    is_internal     boolean,            -- true: draft/internal line (editors only)
    source_id       varchar not null
);

-- One row per person reached by an action in a year (template table beneficiaries). No personal
-- data: the loader drops name, address, birth date, e-mail, phone… columns before anything is
-- stored. Counts computed from these rows are masked under 5 (indicators/beneficiaries.py).
create table programme_beneficiaries (
    contract_slug    varchar not null,
    action_id        varchar not null,
    year             integer not null,
    territory_code   varchar,            -- QPV or neighbourhood of residence; NULL when unknown
    sex              varchar,            -- femme | homme | autre
    age_band         varchar,            -- moins_16 | 16_29 | 30_59 | 60_plus
    source_id        varchar not null,
    -- qpv | hors_qpv | a_verifier (within a few metres of an edge); NULL when unknown. From the
    -- territory typed, or computed at load from an address or coordinates that are then dropped.
    residence_status varchar
);

-- One row per KPI of a contract.
create table kpi_definitions (
    contract_slug     varchar not null,
    kpi_id            varchar not null,
    label             varchar not null,
    unit              varchar,           -- 'personnes', 'EUR', 'interventions', '%', …
    theme             varchar,
    cumulation        varchar not null,  -- 'sum' (add years up) | 'latest' | 'none'
    higher_is_better  boolean,
    definition        varchar,
    headline          boolean,           -- a key figure, shown first on the contract's home page
    headline_order    integer,           -- its rank among the key figures (NULL: load order)
    scope             varchar,           -- 'contrat' (a result of the contract) | 'national' (context)
    source_id         varchar not null
);

-- One row per published value a contract puts among the key figures of its home page
-- (published_values with headline = oui); the value itself is in indicator_facts.
create table published_headlines (
    contract_slug     varchar not null,
    territory_code    varchar not null,
    territory_level   varchar not null,
    indicator_id      varchar not null,
    year              integer not null,
    headline_order    integer,
    source_id         varchar not null
);

-- One row per KPI × territory (NULL: the whole contract) × year (NULL: a period figure).
-- qualifier keeps the document's wording: 'plus de', 'environ', 'au moins', 'en moyenne'.
create table kpi_values (
    contract_slug    varchar not null,
    kpi_id           varchar not null,
    territory_code   varchar,
    year             integer,
    period_label     varchar,            -- 'depuis juillet 2024', 'par an', '2020–2026'
    value            double,
    target           double,
    qualifier        varchar,
    status           varchar not null,   -- ok | secret | missing
    is_published     boolean not null,
    document_id      varchar,
    source_ref       varchar,
    is_internal      boolean,            -- true: internal figure (editors only)
    source_id        varchar not null
);

-- One row per group of attributions with the same characteristics (counts, not people).
create table housing_attributions (
    contract_slug          varchar not null,
    year                   integer not null,
    landlord               varchar not null,
    reserving_party        varchar not null,  -- etat | communes | action_logement | bailleurs | autres
    location               varchar not null,  -- qpv | hors_qpv
    qpv_code               varchar,           -- when location = qpv
    resource_quartile      integer,           -- 1..4, NULL when unknown
    is_priority_household  boolean,
    is_transfer            boolean,           -- mutation within the social stock
    is_lease_signed        boolean,
    n_attributions         integer not null,
    source_id              varchar not null
);

-- One row per CIA objective per party. objective: menages_prioritaires | q1_hors_qpv | hors_q1_en_qpv
create table housing_objectives (
    contract_slug  varchar not null,
    party_type     varchar not null,     -- ensemble | bailleur | reservataire
    party_name     varchar not null,
    objective      varchar not null,
    target_pct     double,               -- NULL with a note: 'contribution à l'atteinte des 25 %'
    note           varchar,
    document_id    varchar,
    source_ref     varchar,
    source_id      varchar not null
);

-- One row per result a document publishes (kept beside what the app computes).
create table housing_published_results (
    contract_slug     varchar not null,
    year              integer not null,
    party_type        varchar not null,
    party_name        varchar not null,
    objective         varchar not null,
    numerator         double,            -- e.g. 82 attributions
    denominator       double,            -- when published
    rate_pct          double,            -- e.g. 12.04
    needed_published  double,            -- the document's "il manque 88 attributions"
    document_id       varchar,
    source_ref        varchar,
    source_id         varchar not null
);

-- One row per qualitative item. item_type: priority_issue | strength | weakness
-- | consultation_appreciated | consultation_deplored | consultation_requested | verbatim
-- | review_intro | review_need | review_done | review_changed | review_figure
-- | pillar | programme_axis | programme_priority_action | partner_territory | note
create table qualitative_items (
    contract_slug    varchar not null,
    territory_code   varchar,            -- QPV or neighbourhood; NULL: the whole contract
    item_type        varchar not null,
    theme            varchar,            -- heading the item sits under
    position         integer not null,   -- order within (contract, territory, item_type, theme)
    text             varchar not null,
    document_id      varchar,
    source_ref       varchar,
    source_id        varchar not null
);

-- ── The annual review: common law per signatory (template tables signatories…steering_committee)
-- One row per signatory or partner of a contract. signatory_type: etat | commune | epci
-- | departement | region | caf | france_travail | bailleur | ars | education_nationale | justice
-- | banque_des_territoires | autre
create table review_signatories (
    contract_slug   varchar not null,
    signatory_id    varchar not null,
    name            varchar not null,
    signatory_type  varchar not null,
    is_signatory    boolean not null default true,   -- false: an actor the document names, not a signatory
    commitment      varchar,
    document_id     varchar,
    source_ref      varchar,
    source_id       varchar not null
);

-- One row per scheme a signatory can mobilise for a pillar and objective.
create table review_schemes (
    contract_slug   varchar not null,
    scheme_id       varchar not null,
    signatory_id    varchar not null,
    pillar          varchar not null,
    objective       varchar,
    scheme          varchar not null,
    funding_kind    varchar not null,    -- droit_commun | specifique
    document_id     varchar,
    source_ref      varchar,
    source_id       varchar not null
);

-- One row per scheme × year × measure × scope × territory: what was mobilised.
create table review_figures (
    contract_slug   varchar not null,
    scheme_id       varchar not null,
    year            integer not null,
    measure         varchar not null,    -- montant | personnes | places | heures
    value           double not null,
    unit            varchar not null,
    scope           varchar not null,    -- qpv (QPV-specific) | territoire (territory-wide)
    territory_code  varchar,             -- one QPV, when the figure targets one
    document_id     varchar,
    source_ref      varchar,
    is_internal     boolean,             -- true: draft/internal figure (editors only)
    source_id       varchar not null
);

-- One row per landlord × year × action funded by the TFPB abatement × QPV.
create table review_tfpb (
    contract_slug   varchar not null,
    signatory_id    varchar not null,
    year            integer not null,
    action          varchar not null,
    territory_code  varchar,
    amount_eur      double,              -- NULL when the document gives no amount
    document_id     varchar,
    source_ref      varchar,
    is_internal     boolean,
    source_id       varchar not null
);

-- One row per member of the steering committee, in the document's order.
create table review_committee (
    contract_slug   varchar not null,
    college         varchar not null,
    organisation    varchar not null,
    member          varchar not null,
    signatory_id    varchar,
    position        integer not null,
    document_id     varchar,
    source_ref      varchar,
    source_id       varchar not null
);

-- ── Build record ────────────────────────────────────────────────────────────────────────────
-- One row per build that produced this database (earlier builds are carried over).
create table builds (
    build_id       varchar not null,
    started_at     timestamp not null,
    finished_at    timestamp,
    outcome        varchar not null,      -- published | failed
    raw_dirs       varchar,
    n_files        integer,
    n_rows         bigint,
    n_territories  integer,
    n_indicators   integer,
    n_warnings     integer,
    summary        varchar
);

-- One row per file examined by a build.
create table build_files (
    build_id   varchar not null,
    file_name  varchar not null,
    kind       varchar,                   -- NULL when unrecognised
    outcome    varchar not null,          -- loaded | duplicate | companion | ignored
                                          -- | unrecognised | error | not_loaded
    rows_read  bigint,
    source_id  varchar,
    message    varchar
);

-- One row per warning or error of a build, with where it was found.
create table build_messages (
    build_id   varchar not null,
    level      varchar not null,          -- warning | error
    file_name  varchar,
    line       integer,                   -- 1-based line of the file, or feature number for GeoJSON
    column_name varchar,
    message    varchar not null
);

-- One row per batch of imported files (data/uploads/<batch_id>/, from « Importer des fichiers »
-- or `python -m etl import`) this database was built with (`published`) or built without after
-- it was taken out (`withdrawn`). Pending and refused batches are only on disk (etl/importer.py).
create table import_batches (
    batch_id      varchar not null,       -- the batch folder's name (its time stamp)
    state         varchar not null,       -- published | withdrawn
    files         varchar,                -- stored file names, separated by ' ; '
    n_rows        bigint,                 -- rows this build read from the batch's files
    created_at    timestamp,
    published_at  timestamp,
    withdrawn_at  timestamp,
    author        varchar,                -- who imported it, where known
    build_id      varchar,                -- the build that published it
    withdrawn_by  varchar                 -- who withdrew it, where known
);

-- ── Stable public views (documented in README.md; other code and analysts rely on them) ────
create view indicator_values as
select
    f.territory_code,
    f.territory_level,
    t.territory_name,
    f.indicator_id,
    coalesce(c.label, f.indicator_id) as indicator_label,
    f.year,
    f.value,
    c.unit,
    f.status,
    case when coalesce(s.is_fictional, false) then 'Fictif : ' else '' end || coalesce(
        f.source_note,
        concat_ws(', ', s.producer, s.title, s.vintage)
    ) as source_label,
    f.numerator,
    f.denominator,
    c.theme,
    f.origin,
    f.status_note,
    f.source_variable,
    f.document_id,
    f.source_ref,
    f.source_id,
    t.geography_vintage,
    -- fictional when the territory or the file is (the demo's France comparators are fictional)
    coalesce(t.is_fictional, false) or coalesce(s.is_fictional, false) as is_fictional,
    coalesce(f.year_given, true) as year_given
from indicator_facts f
left join territories t
       on t.territory_code = f.territory_code and t.territory_level = f.territory_level
left join indicator_catalog c on c.indicator_id = f.indicator_id
left join sources s on s.source_id = f.source_id;

-- QPVs with their contract, commune(s) and EPCI, one row per QPV × commune.
create view qpv_communes as
select
    q.territory_code as qpv_code,
    q.territory_name as qpv_name,
    q.geography_vintage,
    l.parent_code as commune_code,
    c.territory_name as commune_name,
    e.parent_code as epci_code,
    q.is_fictional
from territories q
join territory_links l on l.child_code = q.territory_code and l.child_level = 'qpv'
                      and l.parent_level = 'commune'
left join territories c on c.territory_code = l.parent_code and c.territory_level = 'commune'
left join territory_links e on e.child_code = l.parent_code and e.child_level = 'commune'
                           and e.parent_level = 'epci'
where q.territory_level = 'qpv';

-- Poverty pockets outside the QPVs found on the Filosofi 200 m grid (indicators/pockets.py):
-- contiguous squares outside every QPV whose mean standard of living is below the threshold S
-- (an approximation of the QPV criterion), with at least min_population inhabitants.
create view poverty_pockets as
select * from poverty_pocket_results;
