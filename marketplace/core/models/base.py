"""Declarative base and shared column helpers."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

from marketplace.clock import now_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Column default for ``*_at``: the one clock's "now as stored" (naive UTC).
utcnow = now_utc


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(), list: JSON, dict: JSON}


# Education levels: one ordered scale for postings (minimum) and profiles (highest).
EDUCATION_LEVELS = {0: "不限", 1: "小学", 2: "初中", 3: "高中/中专", 4: "大专", 5: "本科", 6: "硕士", 7: "博士"}
EDUCATION_EN = {0: "any", 1: "primary", 2: "junior middle", 3: "senior high / vocational", 4: "junior college",
                5: "bachelor", 6: "master", 7: "doctorate"}
DISTRICTS = ["顺城区", "新抚区", "望花区", "东洲区", "抚顺县", "新宾满族自治县", "清原满族自治县", "沈抚示范区"]
