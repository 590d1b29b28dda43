# planted.sh -- sourced by the cli tests of triage and minimize: the
# programs that reach the planted bugs of the faulty targets (docs/targets.md
# .tgt.planted) and a statement counter.

# planted_programs DIR: writes crash.gcp (faulty:crash), hang.gcp
# (faulty:hang), oom.gcp (faulty:oom) and div.gcp (a divergence on faulty:gen)
planted_programs() {
  local T=$1
cat > "$T/crash.gcp" <<'P'
type Node size=32 refs=2
type Leaf size=24
a = new Node
b = new Leaf
c = new Node
a.0 = b
h = handle pinned c
collect 0
d = new Leaf
collect 1
e = new Node
collect 2
f = new Node
collect
P
cat > "$T/hang.gcp" <<'P'
type Node size=32 refs=2
type Fin size=24 finalizer=count
a = new Node
b = new Fin
drop b
collect 0
finalize
collect 1
c = new Node
finalize
d = new Node
P
cat > "$T/oom.gcp" <<'P'
type Node size=32 refs=2
type Refs array elem=ref
a = new Node
b = new Refs[10]
collect
c = new Refs[50]
d = new Refs[300]
e = new Node
P
cat > "$T/div.gcp" <<'P'
type Node size=32 refs=2
a = new Node
b = new Node
collect 0
c = new Node
collect 1
P
}

# statements of a .gcp file (not comments, heap or type lines)
nstmts() { grep -vcE '^(#|heap |type |$)' "$1"; }
