// Gcp.cs -- the .gcp text format (docs/format.md section 1), parsed in C#.
//
// The runner reads programs itself: it shares no code with the C harness.
// It accepts every program the C parser accepts and reports syntax errors
// as "file:line:col: message" (exit status 2).  Checks the C parser makes
// from static types (slot indices of fixed types) are made here at run
// time instead, as program errors with the same position.
//
// Header comments of the form
//     # clr: strict-only SELECTOR... : REASON
// declare expectations that hold only in the strict profile (docs/format.md
// "CoreCLR verdicts"); they are collected into Program.Declarations.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace GcpClr
{
    public sealed class GcpError : Exception
    {
        public GcpError(string file, int line, int col, string msg)
            : base($"{file}:{line}:{col}: {msg}") { }
    }

    public enum FinKind { None, Count, Resurrect, Reregister, ResurrectReregister, Alloc }
    public enum TypeKind { Fixed, ByteArray, RefArray }

    public sealed class GType
    {
        public string Name;
        public TypeKind Kind;
        public long Size;        // fixed: total bytes, header included
        public int Refs;         // fixed: reference slots
        public FinKind Fin;
        public int FinStatic;
        public int FinAlloc = -1;
        public string FinAllocName;
        public bool Critical;
        public int Line, Col;
        public long InstanceSize(long length) =>
            Kind == TypeKind.Fixed ? Size : Kind == TypeKind.ByteArray ? 24 + length : 24 + 8 * length;
    }

    public enum K
    {
        New, Store, Load, Copy, Drop, Handle, Free, Target, StaticSet, StaticGet,
        Suppress, Reregister, Collect, Finalize, Thread,
        ExGen, ExLoh, ExSoh, ExNull, ExTarget, ExFinalized, ExCollections, ExPinned, ExOom
    }

    public enum HKind { Strong = 0, Pinned = 1, Weak = 2, WeakLong = 3 }

    public sealed class Stmt
    {
        public K Kind;
        public int Line, Col;
        public int A = -1, B = -1, C = -1; // locals / handles / types by index; -1 null
        public long N;                     // length, slot, generation, count, static slot
        public bool Flag;                  // collect: compact_loh; new: array
        public string Text;
        public bool IsExpect => Kind >= K.ExGen;
        public string ExpectKind => Kind switch
        {
            K.ExGen => "gen", K.ExLoh => "loh", K.ExSoh => "soh", K.ExNull => "null",
            K.ExTarget => "target", K.ExFinalized => "finalized", K.ExCollections => "collections",
            K.ExPinned => "pinned_count", K.ExOom => "oom", _ => ""
        };
    }

    public sealed class Declaration
    {
        public int Line;
        public bool All;
        public HashSet<int> Lines = new HashSet<int>();
        public HashSet<string> Kinds = new HashSet<string>();
        public string Reason;
        public string Text;
        public bool Selects(Stmt s) => All || Lines.Contains(s.Line) || Kinds.Contains(s.ExpectKind);
    }

    public sealed class Program
    {
        public string File;
        public long Gen0Budget = 256 * 1024, Gen1Budget = 2 << 20, Gen2Budget = 10 << 20,
                    LohBudget = 16 << 20, LohThreshold = 85000, SegmentSize = 4 << 20, HardLimit = 0;
        public bool ClrProfile;
        public bool DefaultHeap = true;
        public List<GType> Types = new List<GType>();
        public List<string> Locals = new List<string>();
        public List<string> Handles = new List<string>();
        public List<Stmt> Stmts = new List<Stmt>();
        public List<Declaration> Declarations = new List<Declaration>();
        public List<OrderCheck> Orders = new List<OrderCheck>();
    }

    // "# clr: finalizer-order LINE: NAME..." -- the `finalize` at LINE sees
    // exactly the finalizer calls on the objects these locals name, in this
    // order (runner facts; docs/format.md "CoreCLR verdicts").
    public sealed class OrderCheck
    {
        public int Line;
        public int FinalizeLine;
        public string[] Names;
    }

    public static class Parser
    {
        enum T { Name, Num, Eq, Dot, LBr, RBr, Colon }
        struct Tok { public T Kind; public string S; public long Num; public int Col; }

        static readonly string[] HeapKeys =
            { "gen0_budget", "gen1_budget", "gen2_budget", "loh_budget", "loh_threshold", "segment_size", "hard_limit" };
        static readonly string[] ExpectKinds =
            { "gen", "loh", "soh", "null", "target", "finalized", "collections", "pinned_count", "oom" };

        public static Program ParseFile(string path) => Parse(path, System.IO.File.ReadAllText(path));

        public static Program Parse(string file, string text)
        {
            var p = new Program { File = file };
            var names = new Dictionary<string, (bool handle, int index)>();
            var typeIndex = new Dictionary<string, int>();
            var seenKeys = new HashSet<string>();
            bool header = true;
            string[] lines = text.Split('\n');
            for (int ln = 0; ln < lines.Length; ln++)
            {
                int lineNo = ln + 1;
                string line = lines[ln];
                if (line.EndsWith("\r")) line = line.Substring(0, line.Length - 1);
                int hash = line.IndexOf('#');
                if (hash >= 0)
                {
                    string comment = line.Substring(hash + 1);
                    if (header && line.Substring(0, hash).Trim().Length == 0)
                        ParseDirective(p, file, lineNo, hash + 2, comment);
                    line = line.Substring(0, hash);
                }
                var tk = Lex(file, lineNo, line);
                if (tk.Count == 0) continue;
                GcpError Err(int col, string m) => new GcpError(file, lineNo, col, m);
                string W(int i) => i < tk.Count && tk[i].Kind == T.Name ? tk[i].S : null;
                int ColAt(int i) => i < tk.Count ? tk[i].Col : (tk.Count > 0 ? tk[tk.Count - 1].Col + tk[tk.Count - 1].S.Length : 1);
                string Desc(int i) => i < tk.Count ? $"'{tk[i].S}'" : "end of line";
                void End(int i) { if (i < tk.Count) throw Err(tk[i].Col, $"unexpected {Desc(i)} at the end of the statement"); }
                long Num(int i, string what)
                {
                    if (i >= tk.Count || tk[i].Kind != T.Num) throw Err(ColAt(i), $"expected {what}, got {Desc(i)}");
                    return tk[i].Num;
                }
                string NameTok(int i, string what)
                {
                    if (i >= tk.Count || tk[i].Kind != T.Name) throw Err(ColAt(i), $"expected {what}, got {Desc(i)}");
                    return tk[i].S;
                }
                int LocalUse(int i)
                {
                    string n = NameTok(i, "a local name");
                    if (n == "null") throw Err(tk[i].Col, "expected a local name, got 'null'");
                    if (names.TryGetValue(n, out var e))
                    {
                        if (e.handle) throw Err(tk[i].Col, $"'{n}' is a handle, not a local");
                        return e.index;
                    }
                    names[n] = (false, p.Locals.Count);
                    p.Locals.Add(n);
                    return p.Locals.Count - 1;
                }
                int LocalOrNull(int i) => W(i) == "null" ? -1 : LocalUse(i);
                int HandleUse(int i)
                {
                    string n = NameTok(i, "a handle name");
                    if (!names.TryGetValue(n, out var e) || !e.handle) throw Err(tk[i].Col, $"unknown handle '{n}'");
                    return e.index;
                }
                int HandleDef(int i)
                {
                    string n = NameTok(i, "a handle name");
                    if (n == "null") throw Err(tk[i].Col, "expected a handle name, got 'null'");
                    if (names.TryGetValue(n, out var e))
                    {
                        if (!e.handle) throw Err(tk[i].Col, $"'{n}' is a local, not a handle");
                        return e.index;
                    }
                    names[n] = (true, p.Handles.Count);
                    p.Handles.Add(n);
                    return p.Handles.Count - 1;
                }
                int StaticSlot(int i)
                {
                    string n = NameTok(i, "a static slot sN");
                    if (n.Length < 2 || n[0] != 's' || !int.TryParse(n.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int s) || s >= 64)
                        throw Err(tk[i].Col, $"expected a static slot s0..s63, got '{n}'");
                    return s;
                }
                var st = new Stmt { Line = lineNo, Col = tk[0].Col, Text = line.Trim() };
                string w0 = W(0);
                bool assign = tk.Count > 1 && (tk[1].Kind == T.Eq || tk[1].Kind == T.Dot);
                if (!assign && (w0 == "heap" || w0 == "type"))
                {
                    if (!header) throw Err(tk[0].Col, $"'{w0}' line after the first statement");
                    if (w0 == "heap")
                    {
                        int i = 1;
                        if (i >= tk.Count) throw Err(ColAt(i), "expected KEY=VALUE after 'heap'");
                        while (i < tk.Count)
                        {
                            string key = NameTok(i, "a heap key");
                            if (i + 1 >= tk.Count || tk[i + 1].Kind != T.Eq) throw Err(ColAt(i + 1), $"expected '=' after '{key}'");
                            if (!seenKeys.Add(key)) throw Err(tk[i].Col, $"heap key '{key}' given twice");
                            if (key == "profile")
                            {
                                string v = NameTok(i + 2, "strict or clr");
                                if (v != "strict" && v != "clr") throw Err(tk[i + 2].Col, $"expected strict or clr, got '{v}'");
                                p.ClrProfile = v == "clr";
                            }
                            else
                            {
                                int k = Array.IndexOf(HeapKeys, key);
                                if (k < 0) throw Err(tk[i].Col, $"unknown heap key '{key}'");
                                long v = Num(i + 2, $"a number for {key}");
                                switch (k)
                                {
                                    case 0: p.Gen0Budget = v; break;
                                    case 1: p.Gen1Budget = v; break;
                                    case 2: p.Gen2Budget = v; break;
                                    case 3: p.LohBudget = v; break;
                                    case 4:
                                        if (v < 85000) throw Err(tk[i + 2].Col, "loh_threshold below 85000");
                                        p.LohThreshold = v; break;
                                    case 5:
                                        if (v == 0) throw Err(tk[i + 2].Col, "segment_size 0");
                                        p.SegmentSize = v; break;
                                    case 6: p.HardLimit = v; break;
                                }
                            }
                            i += 3;
                        }
                        p.DefaultHeap = p.Gen0Budget == 256 * 1024 && p.Gen1Budget == 2 << 20 && p.Gen2Budget == 10 << 20
                            && p.LohBudget == 16 << 20 && p.LohThreshold == 85000 && p.HardLimit == 0;
                    }
                    else
                    {
                        var t = new GType { Line = lineNo, Col = tk[0].Col, Name = NameTok(1, "a type name") };
                        if (typeIndex.ContainsKey(t.Name)) throw Err(tk[1].Col, $"type '{t.Name}' declared twice");
                        bool array = false, sizeSet = false, refsSet = false;
                        var seen = new HashSet<string>();
                        int i = 2;
                        while (i < tk.Count)
                        {
                            string a = NameTok(i, "a type attribute");
                            if (!seen.Add(a)) throw Err(tk[i].Col, $"attribute '{a}' given twice");
                            switch (a)
                            {
                                case "array": array = true; i++; break;
                                case "critical": t.Critical = true; i++; break;
                                case "size":
                                case "refs":
                                    if (i + 1 >= tk.Count || tk[i + 1].Kind != T.Eq) throw Err(ColAt(i + 1), $"expected '=' after '{a}'");
                                    long v = Num(i + 2, $"a number for {a}");
                                    if (a == "size") { t.Size = v; sizeSet = true; }
                                    else { if (v > 4096) throw Err(tk[i + 2].Col, "more than 4096 reference slots"); t.Refs = (int)v; refsSet = true; }
                                    i += 3; break;
                                case "elem":
                                    {
                                        if (i + 1 >= tk.Count || tk[i + 1].Kind != T.Eq) throw Err(ColAt(i + 1), "expected '=' after 'elem'");
                                        if (i + 2 < tk.Count && tk[i + 2].Kind == T.Num && tk[i + 2].Num == 1) t.Kind = TypeKind.ByteArray;
                                        else if (W(i + 2) == "ref") t.Kind = TypeKind.RefArray;
                                        else throw Err(ColAt(i + 2), $"expected 1 or ref after 'elem=', got {Desc(i + 2)}");
                                        i += 3; break;
                                    }
                                case "finalizer":
                                    {
                                        if (i + 1 >= tk.Count || tk[i + 1].Kind != T.Eq) throw Err(ColAt(i + 1), "expected '=' after 'finalizer'");
                                        string b = NameTok(i + 2, "a finalizer behaviour");
                                        i += 3;
                                        switch (b)
                                        {
                                            case "count": t.Fin = FinKind.Count; break;
                                            case "reregister": t.Fin = FinKind.Reregister; break;
                                            case "resurrect":
                                            case "resurrect_reregister":
                                            case "alloc":
                                                if (i >= tk.Count || tk[i].Kind != T.Colon) throw Err(ColAt(i), $"expected ':' after '{b}'");
                                                if (b == "alloc") { t.Fin = FinKind.Alloc; t.FinAllocName = NameTok(i + 1, "a type name"); }
                                                else { t.Fin = b == "resurrect" ? FinKind.Resurrect : FinKind.ResurrectReregister; t.FinStatic = StaticSlot(i + 1); }
                                                i += 2; break;
                                            default: throw Err(tk[i - 1].Col, $"unknown finalizer behaviour '{b}'");
                                        }
                                        break;
                                    }
                                default: throw Err(tk[i].Col, $"unknown type attribute '{a}'");
                            }
                        }
                        if (array)
                        {
                            if (seen.Contains("size") || seen.Contains("refs")) throw Err(tk[0].Col, "array types take no size= or refs=");
                            if (!seen.Contains("elem")) throw Err(tk[0].Col, "array type without elem=");
                            if (t.Fin != FinKind.None) throw Err(tk[0].Col, "array types cannot have finalizers");
                        }
                        else
                        {
                            if (seen.Contains("elem")) throw Err(tk[0].Col, "elem= needs 'array'");
                            if (!sizeSet) t.Size = Math.Max(24, 16 + 8L * t.Refs);
                            if (t.Size < 24) throw Err(tk[0].Col, "size below 24");
                            if (16 + 8L * t.Refs > t.Size) throw Err(tk[0].Col, "refs do not fit in size");
                            _ = refsSet;
                        }
                        if (t.Critical && t.Fin == FinKind.None) throw Err(tk[0].Col, "critical needs a finalizer");
                        typeIndex[t.Name] = p.Types.Count;
                        p.Types.Add(t);
                    }
                    End(tk.Count);
                    continue;
                }
                if (header)
                {
                    header = false;
                    foreach (var t in p.Types)
                        if (t.Fin == FinKind.Alloc)
                        {
                            if (!typeIndex.TryGetValue(t.FinAllocName, out int ti))
                                throw new GcpError(file, t.Line, t.Col, $"unknown type '{t.FinAllocName}' in alloc:");
                            t.FinAlloc = ti;
                        }
                }
                if (assign && tk[1].Kind == T.Dot)
                {
                    // x.N = y | null
                    st.Kind = K.Store;
                    st.A = LocalUse(0);
                    st.N = Num(2, "a slot number");
                    if (3 >= tk.Count || tk[3].Kind != T.Eq) throw Err(ColAt(3), $"expected '=', got {Desc(3)}");
                    st.B = LocalOrNull(4);
                    End(5);
                }
                else if (assign)
                {
                    string r = W(2);
                    bool more = tk.Count > 3;
                    if (r == "new" && more)
                    {
                        st.Kind = K.New;
                        string tn = NameTok(3, "a type name after 'new'");
                        if (!typeIndex.TryGetValue(tn, out int ti)) throw Err(tk[3].Col, $"unknown type '{tn}'");
                        st.C = ti;
                        var t = p.Types[ti];
                        if (t.Kind != TypeKind.Fixed)
                        {
                            if (4 >= tk.Count || tk[4].Kind != T.LBr) throw Err(ColAt(4), $"array type '{tn}' needs [LENGTH]");
                            st.N = Num(5, "an array length");
                            if (6 >= tk.Count || tk[6].Kind != T.RBr) throw Err(ColAt(6), $"expected ']', got {Desc(6)}");
                            st.Flag = true;
                            End(7);
                        }
                        else End(4);
                        st.A = LocalUse(0);
                    }
                    else if (r == "handle" && more)
                    {
                        st.Kind = K.Handle;
                        string kn = NameTok(3, "a handle kind");
                        st.N = kn switch { "strong" => 0, "pinned" => 1, "weak" => 2, "weak_long" => 3, _ => throw Err(tk[3].Col, $"unknown handle kind '{kn}'") };
                        st.B = LocalUse(4);
                        End(5);
                        st.A = HandleDef(0);
                    }
                    else if (r == "target" && more)
                    {
                        st.Kind = K.Target;
                        st.B = HandleUse(3);
                        End(4);
                        st.A = LocalUse(0);
                    }
                    else if (r == "static" && more)
                    {
                        st.Kind = K.StaticGet;
                        st.N = StaticSlot(3);
                        End(4);
                        st.A = LocalUse(0);
                    }
                    else if (w0 == "static")
                    {
                        throw Err(tk[0].Col, "expected 'static sN = VALUE'");
                    }
                    else if (tk.Count > 3 && tk[3].Kind == T.Dot)
                    {
                        st.Kind = K.Load;
                        st.B = LocalUse(2);
                        st.N = Num(4, "a slot number");
                        End(5);
                        st.A = LocalUse(0);
                    }
                    else
                    {
                        st.Kind = K.Copy;
                        if (W(2) == "null") throw Err(tk[2].Col, "a local cannot be assigned null (use drop)");
                        st.B = LocalUse(2);
                        End(3);
                        st.A = LocalUse(0);
                    }
                }
                else
                {
                    switch (w0)
                    {
                        case "drop": st.Kind = K.Drop; st.A = LocalUse(1); End(2); break;
                        case "free": st.Kind = K.Free; st.A = HandleUse(1); End(2); break;
                        case "suppress": st.Kind = K.Suppress; st.A = LocalUse(1); End(2); break;
                        case "reregister": st.Kind = K.Reregister; st.A = LocalUse(1); End(2); break;
                        case "finalize": st.Kind = K.Finalize; End(1); break;
                        case "thread":
                            st.Kind = K.Thread; st.N = Num(1, "a thread number");
                            if (st.N > 63) throw Err(tk[1].Col, "thread outside 0..63");
                            End(2); break;
                        case "static":
                            st.Kind = K.StaticSet; st.N = StaticSlot(1);
                            if (2 >= tk.Count || tk[2].Kind != T.Eq) throw Err(ColAt(2), $"expected '=', got {Desc(2)}");
                            st.B = LocalOrNull(3); End(4); break;
                        case "collect":
                            {
                                st.Kind = K.Collect; st.N = 2;
                                int i = 1;
                                if (i < tk.Count && tk[i].Kind == T.Num)
                                {
                                    st.N = tk[i].Num;
                                    if (st.N > 2) throw Err(tk[i].Col, "generation outside 0..2");
                                    i++;
                                }
                                if (W(i) == "compact_loh")
                                {
                                    if (st.N != 2) throw Err(tk[i].Col, "compact_loh needs generation 2");
                                    st.Flag = true; i++;
                                }
                                End(i); break;
                            }
                        case "expect":
                            {
                                string k = NameTok(1, "an expectation kind");
                                switch (k)
                                {
                                    case "gen":
                                        st.Kind = K.ExGen; st.A = LocalUse(2); st.N = Num(3, "a generation");
                                        if (st.N > 2) throw Err(tk[3].Col, "generation outside 0..2");
                                        End(4); break;
                                    case "loh": st.Kind = K.ExLoh; st.A = LocalUse(2); End(3); break;
                                    case "soh": st.Kind = K.ExSoh; st.A = LocalUse(2); End(3); break;
                                    case "null": st.Kind = K.ExNull; st.A = LocalUse(2); End(3); break;
                                    case "target": st.Kind = K.ExTarget; st.A = HandleUse(2); st.B = LocalOrNull(3); End(4); break;
                                    case "finalized": st.Kind = K.ExFinalized; st.A = LocalUse(2); st.N = Num(3, "a count"); End(4); break;
                                    case "collections":
                                        st.Kind = K.ExCollections; st.A = (int)Num(2, "a generation");
                                        if (st.A > 2) throw Err(tk[2].Col, "generation outside 0..2");
                                        st.N = Num(3, "a count"); End(4); break;
                                    case "pinned_count": st.Kind = K.ExPinned; st.N = Num(2, "a count"); End(3); break;
                                    case "oom": st.Kind = K.ExOom; End(2); break;
                                    default: throw Err(tk[1].Col, $"unknown expectation '{k}'");
                                }
                                break;
                            }
                        default:
                            throw Err(tk[0].Col, $"unknown statement {Desc(0)}");
                    }
                }
                p.Stmts.Add(st);
            }
            if (header)
                foreach (var t in p.Types)
                    if (t.Fin == FinKind.Alloc)
                    {
                        if (!typeIndex.TryGetValue(t.FinAllocName, out int ti))
                            throw new GcpError(file, t.Line, t.Col, $"unknown type '{t.FinAllocName}' in alloc:");
                        t.FinAlloc = ti;
                    }
            // declarations must name expectation lines
            foreach (var d in p.Declarations)
                foreach (int l in d.Lines)
                    if (!p.Stmts.Exists(s => s.Line == l && s.IsExpect))
                        throw new GcpError(file, d.Line, 1, $"clr declaration names line {l}, which holds no expectation");
            foreach (var o in p.Orders)
            {
                if (!p.Stmts.Exists(s => s.Line == o.FinalizeLine && s.Kind == K.Finalize))
                    throw new GcpError(file, o.Line, 1, $"clr finalizer-order names line {o.FinalizeLine}, which holds no finalize");
                foreach (var n in o.Names)
                    if (!p.Locals.Contains(n))
                        throw new GcpError(file, o.Line, 1, $"clr finalizer-order names '{n}', which is no local");
            }
            return p;
        }

        // "# clr: strict-only SELECTOR... : REASON"
        static void ParseDirective(Program p, string file, int line, int col, string comment)
        {
            string c = comment.Trim();
            if (!c.StartsWith("clr:", StringComparison.Ordinal)) return;
            string rest = c.Substring(4).Trim();
            const string ord = "finalizer-order";
            if (rest.StartsWith(ord, StringComparison.Ordinal))
            {
                string r = rest.Substring(ord.Length);
                int cl = r.IndexOf(':');
                if (cl < 0 || !int.TryParse(r.Substring(0, cl).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int fl))
                    throw new GcpError(file, line, col, "expected 'clr: finalizer-order LINE: NAME...'");
                p.Orders.Add(new OrderCheck
                {
                    Line = line,
                    FinalizeLine = fl,
                    Names = r.Substring(cl + 1).Split(new[] { ' ', '\t', ',' }, StringSplitOptions.RemoveEmptyEntries)
                });
                return;
            }
            const string kw = "strict-only";
            if (!rest.StartsWith(kw, StringComparison.Ordinal))
                throw new GcpError(file, line, col, "expected 'clr: strict-only SELECTORS: REASON' or 'clr: finalizer-order LINE: NAME...'");
            rest = rest.Substring(kw.Length);
            int colon = rest.IndexOf(':');
            if (colon < 0) throw new GcpError(file, line, col, "clr declaration without ': REASON'");
            var d = new Declaration { Line = line, Reason = rest.Substring(colon + 1).Trim(), Text = c };
            if (d.Reason.Length == 0) throw new GcpError(file, line, col, "clr declaration with an empty reason");
            var sels = rest.Substring(0, colon).Split(new[] { ' ', '\t', ',' }, StringSplitOptions.RemoveEmptyEntries);
            if (sels.Length == 0) throw new GcpError(file, line, col, "clr declaration selects nothing (lines, kinds or 'all')");
            foreach (var s in sels)
            {
                if (s == "all") d.All = true;
                else if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int l)) d.Lines.Add(l);
                else if (Array.IndexOf(ExpectKinds, s) >= 0) d.Kinds.Add(s);
                else throw new GcpError(file, line, col, $"clr declaration: '{s}' is not a line number, an expectation kind or 'all'");
            }
            p.Declarations.Add(d);
        }

        static List<Tok> Lex(string file, int line, string s)
        {
            var r = new List<Tok>();
            int i = 0;
            while (i < s.Length)
            {
                char ch = s[i];
                if (ch == ' ' || ch == '\t') { i++; continue; }
                int col = i + 1;
                switch (ch)
                {
                    case '=': r.Add(new Tok { Kind = T.Eq, S = "=", Col = col }); i++; continue;
                    case '.': r.Add(new Tok { Kind = T.Dot, S = ".", Col = col }); i++; continue;
                    case '[': r.Add(new Tok { Kind = T.LBr, S = "[", Col = col }); i++; continue;
                    case ']': r.Add(new Tok { Kind = T.RBr, S = "]", Col = col }); i++; continue;
                    case ':': r.Add(new Tok { Kind = T.Colon, S = ":", Col = col }); i++; continue;
                }
                if (ch >= '0' && ch <= '9')
                {
                    int j = i;
                    while (j < s.Length && s[j] >= '0' && s[j] <= '9') j++;
                    string digits = s.Substring(i, j - i);
                    if (digits.Length > 14 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                        throw new GcpError(file, line, col, "number too large");
                    if (j < s.Length && (s[j] == 'k' || s[j] == 'm'))
                    {
                        v *= s[j] == 'k' ? 1024 : 1048576;
                        j++;
                    }
                    if (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] == '_'))
                        throw new GcpError(file, line, col, $"number glued to letters: '{s.Substring(i, j + 1 - i)}'");
                    if (v > (1L << 40)) throw new GcpError(file, line, col, "number above 2^40");
                    r.Add(new Tok { Kind = T.Num, S = s.Substring(i, j - i), Num = v, Col = col });
                    i = j;
                    continue;
                }
                if (char.IsAsciiLetter(ch) || ch == '_')
                {
                    int j = i;
                    while (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] == '_')) j++;
                    if (j - i > 64) throw new GcpError(file, line, col, "name longer than 64 characters");
                    r.Add(new Tok { Kind = T.Name, S = s.Substring(i, j - i), Col = col });
                    i = j;
                    continue;
                }
                throw new GcpError(file, line, col, $"unexpected character '{(ch < ' ' ? "\\x" + ((int)ch).ToString("x2") : ch.ToString())}'");
            }
            return r;
        }
    }
}
