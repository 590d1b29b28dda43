// Types.cs -- .gcp fixed types as CoreCLR classes of the same size.
//
// Each fixed type becomes an emitted class (System.Reflection.Emit) that
// derives from GObj (or GCritObj, a CriticalFinalizerObject, for
// `critical`), has one object field per reference slot and a padding
// struct making the instance as large as the type's size (measured after
// emitting: the allocation counter of the thread tells the real size).
// The base classes carry the object's id (an int, 8 bytes with alignment),
// so a type whose reference slots fill it is 8 bytes larger on CoreCLR:
// such a type has at most 4096 slots (32784 bytes), far from the LOH
// threshold, so no observable placement changes.  Finalizable types
// override Finalize with a call to Engine.OnFinalize(this, serial).
//
// Classes are pooled by (size, refs, finalizable, critical, variant) across
// programs, so a batch of thousands of programs emits a bounded number.
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.ConstrainedExecution;

namespace GcpClr
{
    public interface IGObj
    {
        int Id { get; set; }
        object GetSlot(int i);
        void SetSlot(int i, object v);
    }

    public abstract class GObj : IGObj
    {
        public int ObjId;
        public int Id { get => ObjId; set => ObjId = value; }
        public abstract object GetSlot(int i);
        public abstract void SetSlot(int i, object v);
    }

    public abstract class GCritObj : CriticalFinalizerObject, IGObj
    {
        public int ObjId;
        public int Id { get => ObjId; set => ObjId = value; }
        public abstract object GetSlot(int i);
        public abstract void SetSlot(int i, object v);
    }

    public sealed class ClassInfo
    {
        public Type Type;
        public Func<object> Create;
        public int Serial;          // index into Engine.Behaviour
        public long ActualSize;     // bytes per instance on CoreCLR
        public int Refs;
    }

    public static class TypeFactory
    {
        public const long MaxFixed = 64L << 20;   // larger fixed types are not emitted
        static readonly ModuleBuilder Module;
        static readonly Dictionary<(long, int, bool, bool, int), ClassInfo> Pool = new();
        static readonly Dictionary<long, Type> Pads = new();
        static int serial;
        public static readonly List<ClassInfo> All = new();

        static TypeFactory()
        {
            var ab = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("GcpTypes"), AssemblyBuilderAccess.Run);
            Module = ab.DefineDynamicModule("GcpTypes");
        }

        static Type Pad(long n)
        {
            if (Pads.TryGetValue(n, out var t)) return t;
            var sb = Module.DefineType("Pad" + n, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.SequentialLayout,
                                       typeof(ValueType), PackingSize.Size1, checked((int)n));
            sb.DefineField("b", typeof(byte), FieldAttributes.Public);
            t = sb.CreateType();
            Pads[n] = t;
            return t;
        }

        static long Align8(long n) => (n + 7) & ~7L;

        // The class for a fixed type; variant distinguishes types of one
        // program that would otherwise share a class (their finalizer
        // behaviours differ per program, Engine.Behaviour[serial]).
        public static ClassInfo Get(GType t, int variant)
        {
            bool fin = t.Fin != FinKind.None;
            var key = (t.Size, t.Refs, fin, t.Critical, variant);
            if (Pool.TryGetValue(key, out var ci)) return ci;
            long want = Align8(Math.Max(24, t.Size));
            long pad = want - 24 - 8L * t.Refs;
            if (pad < 0) pad = 0;
            ci = Emit(t, fin, pad);
            if (ci.ActualSize != want)
            {
                long fixedPad = pad + (want - ci.ActualSize);
                if (fixedPad >= 0 && fixedPad != pad)
                {
                    var again = Emit(t, fin, fixedPad);
                    if (Math.Abs(again.ActualSize - want) < Math.Abs(ci.ActualSize - want)) ci = again;
                }
            }
            Pool[key] = ci;
            return ci;
        }

        static ClassInfo Emit(GType t, bool fin, long pad)
        {
            int id = serial++;
            Type parent = t.Critical ? typeof(GCritObj) : typeof(GObj);
            var tb = Module.DefineType($"G{id}_{t.Size}_{t.Refs}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, parent);
            var fields = new FieldBuilder[t.Refs];
            for (int i = 0; i < t.Refs; i++)
                fields[i] = tb.DefineField("r" + i, typeof(object), FieldAttributes.Public);
            if (pad > 0) tb.DefineField("pad", Pad(pad), FieldAttributes.Public);
            var ctor = tb.DefineDefaultConstructor(MethodAttributes.Public);

            const MethodAttributes virt = MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.HideBySig;
            var get = tb.DefineMethod("GetSlot", virt, typeof(object), new[] { typeof(int) });
            var il = get.GetILGenerator();
            var labels = new Label[t.Refs];
            for (int i = 0; i < t.Refs; i++) labels[i] = il.DefineLabel();
            if (t.Refs > 0) { il.Emit(OpCodes.Ldarg_1); il.Emit(OpCodes.Switch, labels); }
            il.Emit(OpCodes.Ldnull);
            il.Emit(OpCodes.Ret);
            for (int i = 0; i < t.Refs; i++)
            {
                il.MarkLabel(labels[i]);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, fields[i]);
                il.Emit(OpCodes.Ret);
            }
            var set = tb.DefineMethod("SetSlot", virt, typeof(void), new[] { typeof(int), typeof(object) });
            il = set.GetILGenerator();
            labels = new Label[t.Refs];
            for (int i = 0; i < t.Refs; i++) labels[i] = il.DefineLabel();
            if (t.Refs > 0) { il.Emit(OpCodes.Ldarg_1); il.Emit(OpCodes.Switch, labels); }
            il.Emit(OpCodes.Ret);
            for (int i = 0; i < t.Refs; i++)
            {
                il.MarkLabel(labels[i]);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Stfld, fields[i]);
                il.Emit(OpCodes.Ret);
            }
            if (fin)
            {
                var f = tb.DefineMethod("Finalize", MethodAttributes.Family | MethodAttributes.Virtual | MethodAttributes.HideBySig,
                                        typeof(void), Type.EmptyTypes);
                il = f.GetILGenerator();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldc_I4, id);
                il.Emit(OpCodes.Call, typeof(Engine).GetMethod(nameof(Engine.OnFinalize))!);
                il.Emit(OpCodes.Ret);
            }
            var create = tb.DefineMethod("Create", MethodAttributes.Public | MethodAttributes.Static, typeof(object), Type.EmptyTypes);
            il = create.GetILGenerator();
            il.Emit(OpCodes.Newobj, ctor);
            il.Emit(OpCodes.Ret);

            Type type = tb.CreateType();
            var ci = new ClassInfo
            {
                Type = type,
                Serial = id,
                Refs = t.Refs,
                Create = type.GetMethod("Create")!.CreateDelegate<Func<object>>()
            };
            // compile everything now: no JIT work (and its allocations) while
            // a program runs
            foreach (var m in type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                RuntimeHelpers.PrepareMethod(m.MethodHandle);
            ci.ActualSize = Measure(ci);
            All.Add(ci);
            return ci;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static long Measure(ClassInfo ci)
        {
            long best = long.MaxValue;
            for (int k = 0; k < 3; k++)
            {
                long b0 = GC.GetAllocatedBytesForCurrentThread();
                object o = ci.Create();
                long b1 = GC.GetAllocatedBytesForCurrentThread();
                var g = (IGObj)o;
                g.SetSlot(0, null);
                _ = g.GetSlot(0);
                GC.SuppressFinalize(o);
                best = Math.Min(best, b1 - b0);
            }
            return best;
        }
    }
}
