"""Splink side of the Aman linkage benchmark (bench/linkage/run.sh).

Runs one case per process so that peak memory is per case:
    python splink_bench.py DATA_DIR febrl3|febrl4|fake1000|scenario_persons|scenario_incidents basic|rich

Models follow the shape of Splink's documented FEBRL examples: name comparisons on
given name and surname, a date-of-birth comparison, Damerau-Levenshtein on the
social security number and exact matches on street number and postcode ("basic");
"rich" adds address, suburb and state and finer levels. Training is unsupervised:
the prior from deterministic rules, u from random sampling, m by EM over several
blocking rules. Pairwise F1 is measured on predict() at p >= 0.5 and, for
comparison with Aman's clustered output, on connected components at 0.5.

scenario_incidents reads the report features Aman's own intake produced (geocoded
place, time window, types, counts), written by `scenario_eval --dump`, so both tools
see the same geocoding; Splink compares them with its stock comparisons.
"""

import os
import sys
import time

import duckdb
import splink.comparison_library as cl
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

FEBRL_COLUMNS = [
    "rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
    "suburb", "postcode", "state", "date_of_birth", "soc_sec_id",
]


def load(con, name, path, columns):
    cols = ", ".join(f"nullif(trim(src.\"{c}\"), '') as \"{c}\"" for c in columns)
    con.execute(
        f"create table {name} as select {cols} from "
        f"read_csv('{path}', all_varchar=true, header=false, skip=1, names={columns!r}) as src"
    )


def febrl_entity(rec_id):
    return rec_id.split("-")[1]


def prf(tp, predicted, actual):
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def febrl_settings(link_type, rich):
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2] if rich else [2]),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    if rich:
        comparisons += [
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ]
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
            block_on("address_1"),
        ],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )


def fake_settings(rich):
    comparisons = [
        cl.NameComparison("first_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        cl.EmailComparison("email") if rich else cl.LevenshteinAtThresholds("email", [2]),
    ]
    return SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name"),
            block_on("surname"),
            block_on("dob"),
            block_on("email"),
        ],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )


def difference_comparison(column, thresholds):
    levels = [cll.NullLevel(column), cll.ExactMatchLevel(column)]
    levels += [cll.AbsoluteDifferenceLevel(column, t) for t in thresholds]
    return cl.CustomComparison(output_column_name=column, comparison_levels=levels + [cll.ElseLevel()])


def scenario_settings(rich):
    # Splink has no transliteration: names in Cyrillic and Latin are compared as
    # written. "rich" adds the place and finer age and date levels.
    comparisons = [
        cl.NameComparison("name"),
        cl.ExactMatch("sex"),
        difference_comparison("age", [1, 2, 5] if rich else [2]),
        cl.AbsoluteDateDifferenceAtThresholds(
            "date_of_death", input_is_string=True, metrics=["day", "day"], thresholds=[1, 5]
        ) if rich else cl.ExactMatch("date_of_death"),
    ]
    if rich:
        comparisons += [
            cl.JaroWinklerAtThresholds("place", [0.9, 0.7]),
            cl.ExactMatch("ethnicity"),
        ]
    return SettingsCreator(
        unique_id_column_name="record_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("name"),
            block_on("date_of_death"),
            block_on("substr(name, 1, 3)", "age"),
        ],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )


def incident_settings(rich):
    # Time as the window's midpoint in hours; places geocoded by Aman's intake.
    comparisons = [
        difference_comparison("t_mid", [3, 12, 36]),
        cl.DistanceInKMAtThresholds("lat", "lon", [0.5, 2, 10]),
        cl.ArrayIntersectAtSizes("event_types", [2, 1]),
        difference_comparison("killed_max", [2, 10]),
    ]
    if rich:
        comparisons += [
            cl.JaroWinklerAtThresholds("place", [0.9, 0.7]),
            cl.ExactMatch("source"),
            difference_comparison("t_width", [1, 24]),
        ]
    return SettingsCreator(
        unique_id_column_name="id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("round(lat, 1)", "round(lon, 1)"),
            block_on("place"),
        ],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )


def main():
    data_dir, case, model = sys.argv[1], sys.argv[2], sys.argv[3]
    rich = model == "rich"
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"set threads = {int(os.environ.get('BENCH_THREADS', '2'))}")
    db_api = DuckDBAPI(connection=con)
    if case == "febrl3":
        load(con, "febrl3", f"{data_dir}/febrl_dataset3.csv", FEBRL_COLUMNS)
        tables = [db_api.register("febrl3")]
        settings = febrl_settings("dedupe_only", rich)
        id_col, truth = "rec_id", febrl_entity
    elif case == "febrl4":
        load(con, "febrl4a", f"{data_dir}/febrl_dataset4a.csv", FEBRL_COLUMNS)
        load(con, "febrl4b", f"{data_dir}/febrl_dataset4b.csv", FEBRL_COLUMNS)
        tables = [db_api.register("febrl4a"), db_api.register("febrl4b")]
        settings = febrl_settings("link_only", rich)
        id_col, truth = "rec_id", febrl_entity
    elif case == "fake1000":
        load(con, "fake", f"{data_dir}/fake_1000.csv",
             ["unique_id", "first_name", "surname", "dob", "city", "email", "cluster"])
        tables = [db_api.register("fake")]
        settings = fake_settings(rich)
        id_col, truth = "unique_id", None
    elif case == "scenario_persons":
        con.execute(
            "create table victims as select record_id, nullif(trim(name), '') as name, "
            "nullif(sex, '') as sex, try_cast(age as integer) as age, "
            "nullif(ethnicity, '') as ethnicity, nullif(date_of_death, '') as date_of_death, "
            "nullif(trim(place), '') as place, true_person "
            f"from read_csv('{data_dir}/victims.csv', all_varchar=true, header=true)"
        )
        tables = [db_api.register("victims")]
        settings = scenario_settings(rich)
        id_col, truth = "record_id", None
    elif case == "scenario_incidents":
        f = "features"
        con.execute(
            "create table reports as select id, truth, source, lower(trim(place_text)) as place, "
            f"epoch(cast(json_extract_string({f}, '$.time_start') as timestamp)) / 3600 as t0, "
            f"epoch(cast(json_extract_string({f}, '$.time_end') as timestamp)) / 3600 as t1, "
            f"try_cast(json_extract({f}, '$.lat') as double) as lat, "
            f"try_cast(json_extract({f}, '$.lon') as double) as lon, "
            f"cast(json_extract({f}, '$.event_types') as varchar[]) as event_types, "
            f"try_cast(json_extract({f}, '$.killed_max') as integer) as killed_max "
            f"from read_csv('{data_dir}/reports-20100610.tsv', delim='\t', quote='', "
            "all_varchar=true, header=true)"
        )
        con.execute(
            "create table incident_reports as select *, (t0 + t1) / 2 as t_mid, t1 - t0 as t_width "
            "from reports"
        )
        tables = [db_api.register("incident_reports")]
        settings = incident_settings(rich)
        id_col, truth = "id", None
    else:
        raise SystemExit(f"unknown case {case}")

    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level="WARNING")
    if case.startswith("febrl"):
        linker.training.estimate_probability_two_random_records_match(
            ["l.soc_sec_id = r.soc_sec_id and l.date_of_birth = r.date_of_birth"], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6 if rich else 1e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("soc_sec_id"))
    elif case == "scenario_incidents":
        linker.training.estimate_probability_two_random_records_match(
            ["l.place = r.place and abs(l.t_mid - r.t_mid) < 12"], recall=0.3
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("round(lat, 1)", "round(lon, 1)")
        )
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("place"))
    elif case == "scenario_persons":
        linker.training.estimate_probability_two_random_records_match(
            ["l.name = r.name and l.date_of_death = r.date_of_death"], recall=0.5
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_death", "age"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    else:
        linker.training.estimate_probability_two_random_records_match(
            ["l.first_name = r.first_name and l.surname = r.surname and l.dob = r.dob"], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))

    preds = linker.inference.predict(threshold_match_probability=0.5)
    pairs = con.execute(f"select {id_col}_l, {id_col}_r from {preds.physical_name}").fetchall()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, 0.5)
    members = con.execute(f"select cluster_id, {id_col} from {clusters.physical_name}").fetchall()

    # Ground truth: FEBRL ids carry the entity; fake_1000 and the scenario have a column.
    if case == "scenario_persons":
        rows = con.execute("select record_id, true_person from victims").fetchall()
        entity = {u: c for u, c in rows}
    elif case == "scenario_incidents":
        rows = con.execute("select id, truth from reports").fetchall()
        entity = {u: c for u, c in rows}
    elif truth is None:
        rows = con.execute("select unique_id, cluster from fake").fetchall()
        entity = {u: c for u, c in rows}
    else:
        ids = []
        for t in tables:
            ids += [r[0] for r in con.execute(f"select rec_id from {t.physical_name}").fetchall()]
        entity = {i: truth(i) for i in ids}
    sizes = {}
    for e in entity.values():
        sizes[e] = sizes.get(e, 0) + 1
    actual = sum(k * (k - 1) // 2 for k in sizes.values())
    tp = sum(1 for a, b in pairs if entity[a] == entity[b])
    pair_p, pair_r, pair_f1 = prf(tp, len(pairs), actual)

    by_cluster = {}
    for c, i in members:
        by_cluster.setdefault(c, []).append(i)
    ctp = cpred = 0
    for m in by_cluster.values():
        k = len(m)
        cpred += k * (k - 1) // 2
        counts = {}
        for i in m:
            counts[entity[i]] = counts.get(entity[i], 0) + 1
        ctp += sum(v * (v - 1) // 2 for v in counts.values())
    _, _, cluster_f1 = prf(ctp, cpred, actual)
    wall = time.perf_counter() - start
    print(
        f"RESULT tool=splink_{model} data={case} f1={cluster_f1:.4f} pair_f1={pair_f1:.4f} "
        f"pair_precision={pair_p:.4f} pair_recall={pair_r:.4f} inner_wall_s={wall:.2f}"
    )


if __name__ == "__main__":
    main()
