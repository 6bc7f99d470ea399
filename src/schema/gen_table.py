#!/usr/bin/env python3
"""Generate src/schema/table.c from src/schema/entities.txt.

    python3 src/schema/gen_table.py            # rewrites table.c next to this script
    python3 src/schema/gen_table.py --check    # only validates, exit 1 on problems
    python3 src/schema/gen_table.py --verify   # validates and checks table.c is up to date

The input format is described at the top of entities.txt. The generator checks that every name
used (supertypes, attribute types, select alternatives, derived attributes) is declared, that the
inheritance graph has no cycles, and then writes sorted, constant C tables (no runtime parsing).
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUILTIN = {"real": "REAL", "integer": "INTEGER", "number": "NUMBER", "string": "STRING",
           "logical": "LOGICAL", "boolean": "BOOLEAN", "binary": "BINARY"}
AGG = {"L": "LIST", "S": "SET", "B": "BAG", "A": "ARRAY"}


class Err(Exception):
    pass


def parse(path):
    deftypes = {}   # name -> ("base", other) | ("enum", [..]) | ("select", [..]) | ("agg", tokens)
    entities = {}   # name -> dict(supers, abstract, attrs[(name, tokens, optional)], derived[(owner, attr)])
    order = []
    for lineno, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = "%s:%d" % (os.path.basename(path), lineno)
        if line.startswith("="):
            m = re.match(r"=\s*(\w+)\s+(.*)$", line)
            if not m:
                raise Err(where + ": bad type line")
            name, rest = m.group(1), m.group(2).strip()
            if name in deftypes or name in entities:
                raise Err(where + ": duplicate " + name)
            mm = re.match(r"(enum|select)\((.*)\)$", rest)
            if mm:
                items = [x.strip() for x in mm.group(2).split(",") if x.strip()]
                deftypes[name] = (mm.group(1), items, where)
            else:
                toks = rest.split()
                if len(toks) == 1 and not re.match(r"[LSBA]\d", toks[0]):
                    deftypes[name] = ("base", toks[0], where)
                else:
                    deftypes[name] = ("agg", toks, where)
            continue
        head, _, body = line.partition(":")
        head = head.split()
        abstract = head[0].startswith("!")
        name = head[0].lstrip("!")
        supers = []
        if len(head) > 1:
            if head[1] != "<":
                raise Err(where + ": expected '<' after entity name")
            supers = head[2:]
        if name in entities or name in deftypes:
            raise Err(where + ": duplicate " + name)
        attrs, derived = [], []
        for part in [p.strip() for p in body.split(";") if p.strip()]:
            if part[0] in "*~":
                owner, _, an = part[1:].partition(".")
                derived.append((owner, an, part[0] == "~"))
                continue
            toks = part.split()
            aname, tt = toks[0], toks[1:]
            opt = False
            if tt and tt[0].startswith("?"):
                opt = True
                tt[0] = tt[0][1:]
            if not tt:
                raise Err(where + ": attribute %s without type" % aname)
            attrs.append((aname, tt, opt))
        entities[name] = dict(supers=supers, abstract=abstract, attrs=attrs, derived=derived,
                              where=where)
        order.append(name)
    return deftypes, entities


class Gen:
    def __init__(self, deftypes, entities):
        self.deftypes = deftypes
        self.entities = entities
        self.enames = sorted(entities, key=lambda n: n.upper())
        self.eidx = {n: i for i, n in enumerate(self.enames)}
        self.types = []        # dicts
        self.type_key = {}
        self.defidx = {}       # defined type name -> type index
        self.select_items = []  # flattened defined-type alternatives
        self.enum_values = []
        self.masks = []
        self.mask_key = {}

    # ---- masks of entity indices
    def mask(self, names):
        bits = [0] * self.nwords
        for n in names:
            i = self.eidx[n]
            bits[i // 64] |= 1 << (i % 64)
        key = tuple(bits)
        if key not in self.mask_key:
            self.mask_key[key] = len(self.masks)
            self.masks.append(key)
        return self.mask_key[key]

    def add_type(self, t):
        key = repr(sorted(t.items()))
        if key in self.type_key:
            return self.type_key[key]
        self.types.append(t)
        self.type_key[key] = len(self.types) - 1
        return len(self.types) - 1

    # flatten a select into (entity names, defined type names, any)
    def flatten_select(self, name, seen=None):
        seen = seen or set()
        if name in seen:
            raise Err("select cycle at " + name)
        seen.add(name)
        kind, items, where = self.deftypes[name]
        ents, defs, anyref = [], [], False
        for it in items:
            if it == "any":
                anyref = True
            elif it in self.entities:
                ents.append(it)
            elif it in self.deftypes:
                if self.deftypes[it][0] == "select":
                    e2, d2, a2 = self.flatten_select(it, set(seen))
                    ents += e2
                    defs += d2
                    anyref = anyref or a2
                else:
                    defs.append(it)
            else:
                raise Err("%s: select %s names unknown %s" % (where, name, it))
        return ents, defs, anyref

    def deftype(self, name):
        """Type index of a defined type."""
        if name in self.defidx:
            return self.defidx[name]
        kind, val, where = self.deftypes[name]
        self.defidx[name] = -1  # cycle guard
        if kind == "base":
            if val in BUILTIN:
                t = dict(kind=BUILTIN[val], name=name.upper(), base=-1)
            elif val in self.deftypes:
                b = self.deftype(val)
                if b < 0:
                    raise Err(where + ": type cycle at " + name)
                bt = self.types[b]
                t = dict(bt)
                t["name"] = name.upper()
                t["base"] = b
            else:
                raise Err("%s: unknown base %s" % (where, val))
        elif kind == "enum":
            first = len(self.enum_values)
            if val == ["*"]:   # values not known to this table: any enumeration value is accepted
                t = dict(kind="ENUM", name=name.upper(), base=-1, first=first, n=0, anyref=1)
            else:
                self.enum_values += [v.upper() for v in val]
                t = dict(kind="ENUM", name=name.upper(), base=-1, first=first, n=len(val))
        elif kind == "select":
            ents, defs, anyref = self.flatten_select(name)
            first = len(self.select_items)
            dl = []
            for d in defs:
                if d not in dl:
                    dl.append(d)
            self.select_items += [("def", d) for d in dl]
            t = dict(kind="SELECT", name=name.upper(), base=-1, first=first, n=len(dl),
                     mask=self.mask(ents), anyref=int(anyref))
        else:
            t = self.expr(val, where)
            t = dict(self.types[t])
            t["name"] = name.upper()
            t["base"] = -1
        idx = len(self.types)
        self.types.append(t)
        self.defidx[name] = idx
        return idx

    def expr(self, toks, where):
        """Type index of a type expression (list of tokens)."""
        tok = toks[0]
        m = re.match(r"([LSBA])(\d+):(\d+|\?)$", tok)
        if m:
            if len(toks) < 2:
                raise Err(where + ": aggregate without element type")
            elem = self.expr(toks[1:], where)
            hi = -1 if m.group(3) == "?" else int(m.group(3))
            return self.add_type(dict(kind=AGG[m.group(1)], name="", base=-1,
                                      lo=int(m.group(2)), hi=hi, elem=elem))
        if len(toks) != 1:
            raise Err(where + ": trailing tokens in type " + " ".join(toks))
        if tok in BUILTIN:
            return self.add_type(dict(kind=BUILTIN[tok], name="", base=-1))
        if tok == "any":
            return self.add_type(dict(kind="SELECT", name="", base=-1, first=0, n=0,
                                      mask=self.mask([]), anyref=1))
        if tok in self.entities:
            return self.add_type(dict(kind="ENTITY", name="", base=-1, ent=self.eidx[tok],
                                      mask=self.mask([tok])))
        if tok in self.deftypes:
            return self.deftype(tok)
        raise Err("%s: unknown type %s" % (where, tok))

    def run(self):
        E = self.entities
        self.nwords = (len(self.enames) + 63) // 64
        for n in self.enames:
            for s in E[n]["supers"]:
                if s not in E:
                    raise Err("%s: %s has unknown supertype %s" % (E[n]["where"], n, s))
        # cycles + ancestors
        anc = {}
        state = {}

        def visit(n):
            if state.get(n) == 1:
                raise Err("inheritance cycle through " + n)
            if state.get(n) == 2:
                return anc[n]
            state[n] = 1
            a = {n}
            for s in E[n]["supers"]:
                a |= visit(s)
            state[n] = 2
            anc[n] = a
            return a
        for n in self.enames:
            visit(n)
        self.anc = anc
        for d in sorted(self.deftypes):
            self.deftype(d)
        # attributes
        self.attrs = []
        self.attr_of = {}
        for n in self.enames:
            first = len(self.attrs)
            for (an, tt, opt) in E[n]["attrs"]:
                t = self.expr(tt, E[n]["where"])
                self.attr_of[(n, an)] = len(self.attrs)
                self.attrs.append(dict(name=an, owner=self.eidx[n], type=t, opt=opt, derived_by=[]))
            E[n]["first_own"] = first
            E[n]["n_own"] = len(self.attrs) - first
        for n in self.enames:
            for (owner, an, maybe) in E[n]["derived"]:
                if owner not in anc[n] or owner == n:
                    raise Err("%s: %s derives %s.%s but %s is not a supertype" %
                              (E[n]["where"], n, owner, an, owner))
                k = (owner, an)
                if k not in self.attr_of:
                    raise Err("%s: %s derives unknown attribute %s.%s" % (E[n]["where"], n, owner, an))
                self.attrs[self.attr_of[k]]["derived_by"].append(self.eidx[n] | (0x8000 if maybe else 0))
        # simple-instance layout: depth-first over supertypes (in declared order), each entity once
        self.layout = []
        for n in self.enames:
            seen = []

            def walk(x):
                if x in seen:
                    return
                for s in E[x]["supers"]:
                    walk(s)
                seen.append(x)
            walk(n)
            first = len(self.layout)
            for x in seen:
                for k in range(E[x]["n_own"]):
                    ai = E[x]["first_own"] + k
                    der = 0
                    for d in self.attrs[ai]["derived_by"]:
                        if self.enames[d & 0x7FFF] in anc[n]:
                            der = 2 if (d & 0x8000) and der != 1 else 1
                    self.layout.append((ai, der))
            E[n]["first_all"] = first
            E[n]["n_all"] = len(self.layout) - first
        return self

    def emit(self):
        E = self.entities
        o = []
        w = o.append
        w("/* GENERATED by src/schema/gen_table.py from src/schema/entities.txt - do not edit. */")
        w('#include "schema_table.h"')
        w("")
        w("const uint32_t schema_n_entities_ = %d;" % len(self.enames))
        w("const uint32_t schema_n_types_ = %d;" % len(self.types))
        w("const uint32_t schema_n_attrs_ = %d;" % len(self.attrs))
        supers = []
        w("const schema_entity schema_entities_[] = {")
        for i, n in enumerate(self.enames):
            e = E[n]
            fs = len(supers)
            supers += [self.eidx[s] for s in e["supers"]]
            w('    {"%s", %d, %d, %d, %d, %d, %d, %d, %d},' % (
                n.upper(), 1 if e["abstract"] else 0, len(e["supers"]), fs, e["n_own"],
                e["first_own"], e["n_all"], e["first_all"], i))
        w("};")
        w("const uint16_t schema_supers_[] = {%s};" % ", ".join(str(x) for x in supers or [0]))
        dby = []
        w("const schema_attr schema_attrs_[] = {")
        for a in self.attrs:
            fd = len(dby)
            dby += a["derived_by"]
            w('    {"%s", %d, %d, %d, %d, %d},' % (a["name"], a["owner"], a["type"], 1 if a["opt"] else 0,
                                                 len(a["derived_by"]), fd))
        w("};")
        w("const uint16_t schema_derived_by_[] = {%s};" % ", ".join(str(x) for x in dby or [0]))
        w("const schema_slot schema_layout_[] = {")
        for i in range(0, len(self.layout), 8):
            w("    " + " ".join("{%d, %d}," % x for x in self.layout[i:i + 8]))
        w("};")
        w("const schema_type schema_types_[] = {")
        for t in self.types:
            w('    {SCHEMA_%s, %d, %d, %d, %d, %d, %d, %d, %d, "%s"},' % (
                t["kind"], t.get("lo", 0), t.get("hi", 0), t.get("elem", t.get("ent", 0)),
                t.get("first", 0), t.get("n", 0), t.get("mask", 0), t.get("anyref", 0),
                t.get("base", -1), t["name"]))
        w("};")
        # sorted index of defined (named) types for TYPED parameters
        named = sorted((t["name"], i) for i, t in enumerate(self.types) if t["name"])
        w("const uint32_t schema_n_named_types_ = %d;" % len(named))
        w("const uint16_t schema_named_types_[] = {%s};" % ", ".join(str(i) for _, i in named))
        w("const uint16_t schema_select_items_[] = {%s};" % ", ".join(
            str(self.defidx[d]) for _, d in self.select_items) if self.select_items else "const uint16_t schema_select_items_[] = {0};")
        w("const char *const schema_enum_values_[] = {%s};" % ", ".join('"%s"' % v for v in self.enum_values))
        w("const uint32_t schema_n_masks_ = %d;" % len(self.masks))
        w("const uint64_t schema_masks_[][SCHEMA_MASK_WORDS] = {")
        for m in self.masks:
            w("    {%s}," % ", ".join("0x%xu" % x for x in m))
        w("};")
        w("const uint64_t schema_ancestors_[][SCHEMA_MASK_WORDS] = {")
        for n in self.enames:
            bits = [0] * self.nwords
            for a in self.anc[n]:
                i = self.eidx[a]
                bits[i // 64] |= 1 << (i % 64)
            w("    {%s}," % ", ".join("0x%xu" % x for x in bits))
        w("};")
        return "\n".join(o) + "\n", self.nwords


def main():
    try:
        deftypes, entities = parse(os.path.join(HERE, "entities.txt"))
        g = Gen(deftypes, entities).run()
        text, nwords = g.emit()
    except Err as e:
        print("gen_table: " + str(e), file=sys.stderr)
        return 1
    if "--check" in sys.argv:
        print("ok: %d entities, %d types, %d attributes" % (len(g.enames), len(g.types), len(g.attrs)))
        return 0
    hdr = open(os.path.join(HERE, "schema_table.h")).read()
    m = re.search(r"#define SCHEMA_MASK_WORDS (\d+)", hdr)
    if not m or int(m.group(1)) != nwords:
        print("gen_table: set SCHEMA_MASK_WORDS to %d in schema_table.h" % nwords, file=sys.stderr)
        return 1
    if "--verify" in sys.argv:
        with open(os.path.join(HERE, "table.c")) as f:
            if f.read() != text:
                print("gen_table: table.c is out of date; run python3 src/schema/gen_table.py", file=sys.stderr)
                return 1
        print("ok: table.c matches entities.txt")
        return 0
    with open(os.path.join(HERE, "table.c"), "w") as f:
        f.write(text)
    print("table.c: %d entities, %d types, %d attributes, %d masks" %
          (len(g.enames), len(g.types), len(g.attrs), len(g.masks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
