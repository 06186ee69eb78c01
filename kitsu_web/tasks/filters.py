"""The task-list variant of Kitsu's filter language (My Tasks).

Free text searches the entity's words, the task type, the status short
name and the production (supervisors and managers: assignee names too).
Terms are AND-ed; ``-word`` excludes, ``[a,b]`` means any of a or b,
``"two words"`` keeps the space. ``key=value`` filters do not apply to
task lists and are ignored, as in Kitsu.
"""

import re

TOKEN = re.compile(r'-?\[[^\]]*\]|-?"[^"]*"|\S+')
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
SEPARATORS = re.compile(r"[\s_\-/]+")


class Term:
    """One search term: alternatives that may match, possibly negated."""

    def __init__(self, alternatives, negated=False):
        self.alternatives = [a for a in alternatives if a]
        self.negated = negated

    def matches(self, words):
        """True when one alternative is a substring of one of ``words``."""
        found = any(alt in word for alt in self.alternatives
                    for word in words)
        return not found if self.negated else found

    def __repr__(self):
        sign = "-" if self.negated else ""
        return f"Term({sign}{self.alternatives})"


def parse(query):
    """The terms of a search query (lower case; ``=`` filters dropped)."""
    terms = []
    for token in TOKEN.findall(query or ""):
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        if body.startswith("["):
            inner = body[1:-1] if body.endswith("]") else body[1:]
            alternatives = [a.strip().strip('"').lower()
                            for a in inner.split(",")]
        elif body.startswith('"'):
            alternatives = [body.strip('"').lower()]
        elif "=" in body:
            continue
        else:
            alternatives = [body.lower()]
        term = Term(alternatives, negated)
        if term.alternatives:
            terms.append(term)
    return terms


def name_words(name):
    """A name, its parts (spaces, _, -, /, CamelCase), all lower case."""
    if not name:
        return []
    words = {name.lower()}
    for part in SEPARATORS.split(name):
        if not part:
            continue
        words.add(part.lower())
        for piece in CAMEL.split(part):
            if piece:
                words.add(piece.lower())
    return sorted(words)


def task_words(task, with_assignees=False, persons=None):
    """The indexed words of a My Tasks row (Zou's /data/user/tasks shape)."""
    words = []
    for key in ("entity_name", "sequence_name", "episode_name",
                "entity_type_name", "task_type_name", "project_name"):
        words.extend(name_words(task.get(key)))
    short_name = task.get("task_status_short_name")
    if short_name:
        words.append(short_name.lower())
    if with_assignees:
        for person_id in task.get("assignees") or []:
            person = (persons or {}).get(person_id)
            if person:
                full = person.get("full_name") or ""
                words.append(full.lower())
                words.append(full.replace(" ", "").lower())
    return words


def apply(tasks, query, with_assignees=False, persons=None):
    """The tasks that match every term of ``query``."""
    terms = parse(query)
    if not terms:
        return list(tasks)
    kept = []
    for task in tasks:
        words = task_words(task, with_assignees, persons)
        if all(term.matches(words) for term in terms):
            kept.append(task)
    return kept
