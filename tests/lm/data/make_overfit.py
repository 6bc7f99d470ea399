#!/usr/bin/python3
"""Write overfit50.jsonl: 50 short STEP DATA-section snippets (a few hundred
bytes each) with STEP-LLM no-RAG prompts, for the overfitting sanity check.
Deterministic (fixed seed). Each snippet places a rectangular profile: points,
directions, an axis placement, lines and a plane, with numbers from the seed."""
import json, random

HEAD = ("You are a CAD model generation assistant trained to produce STEP (.step) files based on "
        "textual descriptions. Given the following object description, generate a STEP file that "
        "accurately represents the described object.\n\n### caption:\n{cap}\n\n### output:\n")

def num(x):
    s = f"{x:.3f}".rstrip("0")
    return s  # STEP style: "12.5", "3."

def snippet(r, k):
    w, h, z = r.randint(2, 90) / 2, r.randint(2, 60) / 2, r.randint(0, 40) / 4
    pts = [(0, 0, z), (w, 0, z), (w, h, z), (0, h, z)]
    out, i = [], 1
    for p in pts:
        out.append(f"#{i} = CARTESIAN_POINT('',({num(p[0])},{num(p[1])},{num(p[2])}));"); i += 1
    out.append(f"#{i} = DIRECTION('',(0.,0.,1.));"); i += 1
    out.append(f"#{i} = DIRECTION('',(1.,0.,0.));"); i += 1
    out.append(f"#{i} = AXIS2_PLACEMENT_3D('',#1,#5,#6);"); ax = i; i += 1
    out.append(f"#{i} = PLANE('',#{ax});"); i += 1
    n_lines = r.randint(1, 4)
    for j in range(n_lines):
        out.append(f"#{i} = VECTOR('',#{6 if j % 2 == 0 else 5},{num(w if j % 2 == 0 else h)});"); i += 1
        out.append(f"#{i} = LINE('',#{1 + j},#{i - 1});"); i += 1
    cap = f"part {k}: a {num(w)} by {num(h)} mm rectangle at height {num(z)} with {n_lines} edge lines"
    return cap, "\n".join(out) + "\n"

r = random.Random(20261121)
with open("overfit50.jsonl", "w") as f:
    for k in range(50):
        cap, step = snippet(r, k)
        f.write(json.dumps({"prompt": HEAD.format(cap=cap), "step": step}) + "\n")
