-- Linkage (issue 4): the model each batch re-link learned (EM on the batch, reviewers'
-- labels folded in), so that a report linked on intake is scored with it rather than
-- with the hand-set default. Rows are only added; the newest of a kind is used.
-- Paired with ../sqlite/0012_linkage_models.sql.
CREATE TABLE linkage_models (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    model       TEXT NOT NULL,
    trained_on  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX linkage_models_kind ON linkage_models (kind, id);
