"""The naive baselines: each dashboard's figures built by loading whole tables into pandas.

This is how a page is often first written (``SELECT *`` then ``groupby``); the
benchmark times it next to the real page to show what aggregating in SQL buys.
Each function returns the figures it computed, so a test can check that the
naive and the real page agree.
"""
from __future__ import annotations

import warnings

import pandas as pd
from sqlalchemy import create_engine


def _tables(database_url: str, *names: str) -> dict[str, pd.DataFrame]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # read_sql_table reflects each table with its indexes; SQLite cannot describe an index
            # on an expression (migration 0008) and SQLAlchemy says so for every table read.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            return {name: pd.read_sql_table(name, conn) for name in names}
    finally:
        engine.dispose()


def _rag(grade: pd.Series) -> pd.Series:
    return grade.map({1: "R", 2: "A", 3: "G", 4: "G"})


def naive_heatmap(database_url: str) -> pd.DataFrame:
    """The default heatmap (team x theme, RAG counts of the reported grade), the naive way."""
    t = _tables(database_url, "audit", "team", "theme")
    audits = t["audit"]
    audits = audits[audits["status"] == "submitted"].copy()
    audits["grade"] = audits["moderated_overall_grade"].fillna(audits["overall_grade"])
    audits["rag"] = _rag(audits["grade"])
    counts = audits.pivot_table(index=["team_id", "theme_id"], columns="rag", values="id", aggfunc="count",
                                fill_value=0).reset_index()
    counts["audits"] = audits.groupby(["team_id", "theme_id"]).size().values
    counts = counts.merge(t["team"][["id", "name"]].rename(columns={"id": "team_id", "name": "team"}), on="team_id")
    return counts.merge(t["theme"][["id", "name"]].rename(columns={"id": "theme_id", "name": "theme"}), on="theme_id")


def naive_overview(database_url: str) -> dict:
    """The Overview's headline figures, the naive way."""
    t = _tables(database_url, "audit", "theme", "moderation", "remedial_action", "meeting")
    audits = t["audit"]
    submitted = audits[audits["status"] == "submitted"]
    by_theme = submitted.groupby(["theme_id", "kind"]).size().to_dict()
    grade = submitted["moderated_overall_grade"].fillna(submitted["overall_grade"])
    rag = _rag(grade).value_counts().to_dict()
    moderation = t["moderation"]["status"].value_counts().to_dict()
    actions = t["remedial_action"]
    overdue = int(((actions["status"].isin(["open", "reopened"])) &
                   (pd.to_datetime(actions["due_on"]) < pd.Timestamp.today())).sum())
    meetings = t["meeting"]["kind"].value_counts().to_dict()
    return {"themes": by_theme, "rag": rag, "moderation": moderation, "overdue": overdue, "meetings": meetings}
