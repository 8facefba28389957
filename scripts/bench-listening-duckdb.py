"""The listening dashboard's aggregations in DuckDB, for `tend bench listening`.

Reads the raw match facts the benchmark wrote as CSV (one row per topic and
matching message, one row per topic, message and term), loads them into DuckDB
tables (not timed), then times the same answers Tend's 30-day dashboard gives,
computed from the raw rows: every topic's volume and sentiment per hour, the
brand topic's terms in the current and previous period, its top authors and its
newest questions to answer. Prints one JSON object: timings in ms per run and
the answers, which the benchmark compares with its own.

Run by the benchmark inside a temporary virtualenv with `pip install duckdb`.
"""

import json
import sys
import time

import duckdb


def main():
    args = json.loads(sys.argv[1])
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args['threads'])}")
    con.execute(
        "CREATE TABLE matches AS SELECT * FROM read_csv(?, header = true, columns = {"
        "'topic_id': 'BIGINT', 'message_id': 'BIGINT', 'ts': 'BIGINT', 'author_id': 'BIGINT', "
        "'polarity': 'INTEGER', 'engagement': 'BIGINT', 'to_answer': 'INTEGER'})",
        [args["matches"]],
    )
    con.execute(
        "CREATE TABLE terms AS SELECT * FROM read_csv(?, header = true, quote = '\"', columns = {"
        "'topic_id': 'BIGINT', 'message_id': 'BIGINT', 'day': 'BIGINT', 'term': 'VARCHAR'})",
        [args["terms"]],
    )
    rows = con.execute("SELECT count(*) FROM matches").fetchone()[0]
    hour_ms, day_ms = 3_600_000, 86_400_000
    q = {
        "series": (
            "SELECT topic_id, CAST(floor(ts / ?) AS BIGINT) AS hour, count(*) AS messages, "
            "count(*) FILTER (WHERE polarity > 0) AS positive, "
            "count(*) FILTER (WHERE polarity = 0) AS neutral, "
            "count(*) FILTER (WHERE polarity < 0) AS negative, "
            "sum(engagement) AS engagement, sum(to_answer) AS to_answer "
            "FROM matches WHERE ts >= ? AND ts < ? GROUP BY ALL ORDER BY 1, 2",
            [hour_ms, args["from_hour"] * hour_ms, args["to_hour"] * hour_ms],
        ),
        "previous_total": (
            "SELECT count(*) FROM matches WHERE topic_id = ? AND ts >= ? AND ts < ?",
            [args["brand"], args["from_day"] * day_ms, args["mid_day"] * day_ms],
        ),
        "terms": (
            "SELECT term, count(*) FILTER (WHERE day >= ?) AS cur, "
            "count(*) FILTER (WHERE day < ?) AS prev FROM terms "
            "WHERE topic_id = ? AND day >= ? AND day < ? GROUP BY term "
            "HAVING count(*) FILTER (WHERE day >= ?) >= 2 ORDER BY cur DESC, term LIMIT 400",
            [args["mid_day"], args["mid_day"], args["brand"], args["from_day"],
             args["to_day"], args["mid_day"]],
        ),
        "authors": (
            "SELECT author_id, count(*) AS n, sum(engagement) AS e FROM matches "
            "WHERE topic_id = ? AND ts >= ? AND ts < ? AND author_id IS NOT NULL "
            "GROUP BY author_id ORDER BY n DESC, e DESC, author_id LIMIT 15",
            [args["brand"], args["mid_day"] * day_ms, args["to_day"] * day_ms],
        ),
        "to_answer": (
            "SELECT message_id FROM matches WHERE topic_id = ? AND to_answer = 1 AND ts >= ? "
            "ORDER BY ts DESC, message_id DESC LIMIT 15",
            [args["brand"], args["from_hour"] * hour_ms],
        ),
    }
    timings = {name: [] for name in q}
    timings["dashboard"] = []
    answers = {}
    for _ in range(int(args["runs"])):
        total = 0.0
        for name, (sql, params) in q.items():
            started = time.perf_counter()
            result = con.execute(sql, params).fetchall()
            elapsed = (time.perf_counter() - started) * 1e3
            timings[name].append(elapsed)
            total += elapsed
            answers[name] = result
        timings["dashboard"].append(total)
    totals = {}
    for topic, _hour, messages, *_ in answers["series"]:
        totals[str(topic)] = totals.get(str(topic), 0) + messages
    print(json.dumps({
        "rows": rows,
        "timings_ms": timings,
        "topic_totals": totals,
        "top_terms": [[t, c, p] for t, c, p in answers["terms"][:20]],
        "top_authors": [[a, n] for a, n, _ in answers["authors"][:10]],
        "previous_total": answers["previous_total"][0][0],
    }))


if __name__ == "__main__":
    main()
