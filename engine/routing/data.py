"""Loading the routing data (knowledge/routing/) and choosing a district profile by NAME.

A district profile is chosen by its id (`wuda`) or its Chinese name (`乌达区`), never by a path:
the names are those of the profiles found when the data is loaded, in the shipped folder
knowledge/routing/profiles/ and, for an operator, in one more folder named in the server's
configuration at start-up (environment variable HAZARD_PROFILE_DIR, or `hazard serve --profile-dir`).
A name from a request (query string, judgement body) is only ever a key of that catalogue; no
request value reaches the file system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from engine import knowledge
from engine.errors import HazardError, KnowledgeError
from engine.routing.model import Department, Departments, Matter, Profile, Settings, Sources, Venue, Venues

ROOT_ENV = "HAZARD_ROUTING"  # the routing data folder (configuration, not a request)
PROFILE_DIR_ENV = "HAZARD_PROFILE_DIR"  # an operator's own district profiles (configuration at start-up)
MAX_NAME = 100  # a profile name longer than this is not looked up at all


def default_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or knowledge.DEFAULT_ROOT / "routing")


def _read(path: Path, model: type[BaseModel]) -> Any:
    if not path.exists():
        raise KnowledgeError(str(path), "路由数据文件不存在")
    data = knowledge._read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(str(path), knowledge._pydantic_problem(exc)) from None


@dataclass
class RoutingData:
    root: Path
    settings: Settings
    sources: Sources
    departments: dict[str, Department]
    venues: list[Venue]
    matters: list[Matter]
    files: dict[str, str]  # matter id -> file
    profiles: dict[str, Profile] = field(default_factory=dict)  # profile id -> profile as written
    profile_files: dict[str, str] = field(default_factory=dict)  # profile id -> file
    profile_names: dict[str, str] = field(default_factory=dict)  # id or Chinese district name -> profile id


def _profiles(root: Path, extra: str | None) -> tuple[dict[str, Profile], dict[str, str], dict[str, str]]:
    """Every profile of the shipped folder and of the operator's folder, indexed by id and district name."""
    folders = [root / "profiles"]
    if extra:
        folder = Path(extra)
        if not folder.is_dir():
            raise KnowledgeError(str(folder), f"区县配置目录不存在（环境变量 {PROFILE_DIR_ENV}）")
        folders.append(folder)
    profiles: dict[str, Profile] = {}
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    for folder in folders:
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            profile = _read(path, Profile)
            if profile.id in files:
                raise KnowledgeError(str(path), f"区县配置 id {profile.id} 与 {files[profile.id]} 重复")
            for key in (profile.id, profile.district):
                other = names.get(key)
                if other is not None and other != profile.id:
                    raise KnowledgeError(str(path), f"区县名称“{key}”与 {files[other]} 重复")
            profiles[profile.id] = profile
            files[profile.id] = str(path)
            names[profile.id] = profile.id
            names[profile.district] = profile.id
    return profiles, files, names


def load_data(root: Path | str | None = None, profile_dir: str | None = None) -> RoutingData:
    """The routing data under `root` and the profiles of the shipped folder and of `profile_dir`
    (default: environment variable HAZARD_PROFILE_DIR). KnowledgeError names a broken file."""
    root = Path(root) if root else default_root()
    if not root.is_dir():
        raise KnowledgeError(str(root), "路由数据目录不存在")
    settings = _read(root / "routing.yaml", Settings)
    sources = _read(root / "sources.yaml", Sources)
    depts = _read(root / "departments.yaml", Departments).departments
    venues = _read(root / "venues.yaml", Venues).venues
    matters, files = [], {}
    for path in sorted((root / "matters").glob("*.yaml")):
        matter = _read(path, Matter)
        if matter.id in files:
            raise KnowledgeError(str(path), f"事项 id {matter.id} 与 {files[matter.id]} 重复")
        files[matter.id] = str(path)
        matters.append(matter)
    matters.sort(key=lambda m: (m.order, m.id))
    by_id: dict[str, Department] = {}
    for d in depts:
        if d.id in by_id:
            raise KnowledgeError(str(root / "departments.yaml"), f"部门 id 重复：{d.id}")
        by_id[d.id] = d
    extra = profile_dir if profile_dir is not None else os.environ.get(PROFILE_DIR_ENV) or None
    profiles, profile_files, names = _profiles(root, extra)
    return RoutingData(root, settings, sources, by_id, venues, matters, files, profiles, profile_files, names)


def profile_choices(data: RoutingData) -> str:
    return "、".join(f"{p.district}（{p.id}）" for p in data.profiles.values())


def resolve_profile(data: RoutingData, ref: str | None = None) -> str:
    """The id of the profile named `ref` (an id or a Chinese district name); None: the configured
    default (environment variable HAZARD_DISTRICT, then routing.yaml). HazardError unknown_district
    for any other value: a name is only looked up, never opened."""
    configured = ref is None
    if ref is None:
        ref = os.environ.get(data.settings.profile_env) or data.settings.default_profile
    key = ref.strip() if isinstance(ref, str) else ""
    found = data.profile_names.get(key) if 0 < len(key) <= MAX_NAME else None
    if found is None:
        where = f"（环境变量 {data.settings.profile_env}）" if configured else ""
        shown = ref if isinstance(ref, str) and len(ref) <= 40 else f"{str(ref)[:40]}…"
        raise HazardError("unknown_district", f"未知的区县“{shown}”{where}；可选：{profile_choices(data)}"
                                              "（按区县名称或 id 选择，不接受文件路径）", "district")
    return found


def load_profile(data: RoutingData, ref: str | None = None) -> Profile:
    """A district profile chosen by id or Chinese name; `extends` (also a name) fills in the rest."""
    pid: str | None = resolve_profile(data, ref)
    seen: list[str] = []
    chain: list[Profile] = []
    while pid:
        file = data.profile_files[pid]
        if pid in seen:
            raise KnowledgeError(file, f"区县配置的 extends 形成环路：{' → '.join(seen + [pid])}")
        seen.append(pid)
        profile = data.profiles[pid]
        chain.append(profile)
        if profile.extends is None:
            break
        parent = data.profile_names.get(profile.extends.strip())
        if parent is None:
            raise KnowledgeError(file, f"extends 指向未知的区县配置“{profile.extends}”（可选：{profile_choices(data)}）")
        pid = parent
    names: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    for p in reversed(chain):
        names.update(p.names)
        for k, v in p.aliases.items():
            aliases[k] = aliases.get(k, []) + list(v)
    top = chain[0]
    file = data.profile_files[top.id]
    unknown = sorted(set(names) - set(data.departments))
    if unknown:
        raise KnowledgeError(file, f"区县配置命名了未知部门 {unknown}（departments.yaml 中没有）")
    missing = sorted(set(data.departments) - set(names))
    if missing:
        raise KnowledgeError(file, f"区县配置缺少部门名称：{missing}（可用 extends 继承默认区县）")
    return Profile(id=top.id, district=top.district, names=names, aliases=aliases)
