using System;
using System.Collections;
using System.Collections.Generic;
using System.Text;

namespace UnityNvim
{
    /// <summary>Thrown for malformed or unsupported MessagePack; never escapes the decoders.</summary>
    internal sealed class MsgPackException : Exception
    {
        public MsgPackException(string message) : base(message) { }
    }

    /// <summary>
    /// Hand-written MessagePack writer for the subset the protocol uses. Unity ships no
    /// MessagePack library and a package must not pull one in.
    /// </summary>
    internal sealed class MsgPackWriter
    {
        public const int MaxDepth = 100; // arrays and maps, the top-level map included (doc/protocol.md)
        static readonly Encoding Utf8 = new UTF8Encoding(false, false);

        byte[] buffer = new byte[256];
        int length;

        public byte[] ToArray()
        {
            var result = new byte[length];
            Buffer.BlockCopy(buffer, 0, result, 0, length);
            return result;
        }

        void Ensure(int extra)
        {
            if (length + extra <= buffer.Length) return;
            int size = buffer.Length * 2;
            while (size < length + extra) size *= 2;
            Array.Resize(ref buffer, size);
        }

        void Byte(byte b)
        {
            Ensure(1);
            buffer[length++] = b;
        }

        void BigEndian(byte marker, ulong value, int bytes)
        {
            Ensure(1 + bytes);
            buffer[length++] = marker;
            for (int i = bytes - 1; i >= 0; i--)
                buffer[length++] = (byte)(value >> (8 * i));
        }

        public void Nil() { Byte(0xC0); }

        public void Bool(bool value) { Byte(value ? (byte)0xC3 : (byte)0xC2); }

        public void Int(long value)
        {
            if (value >= 0) { UInt((ulong)value); return; }
            if (value >= -32) Byte((byte)(sbyte)value);
            else if (value >= sbyte.MinValue) BigEndian(0xD0, (ulong)value, 1);
            else if (value >= short.MinValue) BigEndian(0xD1, (ulong)value, 2);
            else if (value >= int.MinValue) BigEndian(0xD2, (ulong)value, 4);
            else BigEndian(0xD3, (ulong)value, 8);
        }

        public void UInt(ulong value)
        {
            if (value <= 0x7F) Byte((byte)value);
            else if (value <= byte.MaxValue) BigEndian(0xCC, value, 1);
            else if (value <= ushort.MaxValue) BigEndian(0xCD, value, 2);
            else if (value <= uint.MaxValue) BigEndian(0xCE, value, 4);
            else BigEndian(0xCF, value, 8);
        }

        public void Float(float value)
        {
            BigEndian(0xCA, (uint)BitConverter.ToInt32(BitConverter.GetBytes(value), 0), 4);
        }

        public void Double(double value)
        {
            BigEndian(0xCB, (ulong)BitConverter.DoubleToInt64Bits(value), 8);
        }

        public void Str(string value)
        {
            if (value == null) { Nil(); return; }
            int n = Utf8.GetByteCount(value);
            if (n <= 31) Byte((byte)(0xA0 | n));
            else if (n <= byte.MaxValue) BigEndian(0xD9, (ulong)n, 1);
            else if (n <= ushort.MaxValue) BigEndian(0xDA, (ulong)n, 2);
            else BigEndian(0xDB, (ulong)n, 4);
            Ensure(n);
            length += Utf8.GetBytes(value, 0, value.Length, buffer, length);
        }

        public void Bin(byte[] value)
        {
            if (value == null) { Nil(); return; }
            int n = value.Length;
            if (n <= byte.MaxValue) BigEndian(0xC4, (ulong)n, 1);
            else if (n <= ushort.MaxValue) BigEndian(0xC5, (ulong)n, 2);
            else BigEndian(0xC6, (ulong)n, 4);
            Ensure(n);
            Buffer.BlockCopy(value, 0, buffer, length, n);
            length += n;
        }

        public void ArrayHeader(int count)
        {
            if (count <= 15) Byte((byte)(0x90 | count));
            else if (count <= ushort.MaxValue) BigEndian(0xDC, (ulong)count, 2);
            else BigEndian(0xDD, (ulong)count, 4);
        }

        public void MapHeader(int count)
        {
            if (count <= 15) Byte((byte)(0x80 | count));
            else if (count <= ushort.MaxValue) BigEndian(0xDE, (ulong)count, 2);
            else BigEndian(0xDF, (ulong)count, 4);
        }

        /// <summary>
        /// Writes a command result or any value: null, bool, integers, float/double, string,
        /// byte[], IDictionary (keys written with ToString), IList; anything else as ToString().
        /// </summary>
        public void Value(object value)
        {
            Value(value, 0);
        }

        void Value(object value, int depth)
        {
            if (depth > MaxDepth) throw new MsgPackException("nested deeper than " + MaxDepth + " levels");
            if (value == null) { Nil(); return; }
            if (value is bool) { Bool((bool)value); return; }
            if (value is string) { Str((string)value); return; }
            if (value is byte[]) { Bin((byte[])value); return; }
            if (value is float) { Float((float)value); return; }
            if (value is double) { Double((double)value); return; }
            if (value is ulong) { UInt((ulong)value); return; }
            if (value is sbyte || value is byte || value is short || value is ushort
                || value is int || value is uint || value is long || value is char)
            {
                Int(Convert.ToInt64(value));
                return;
            }
            var dict = value as IDictionary;
            if (dict != null)
            {
                MapHeader(dict.Count);
                foreach (DictionaryEntry entry in dict)
                {
                    Str(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture));
                    Value(entry.Value, depth + 1);
                }
                return;
            }
            var list = value as IList;
            if (list != null)
            {
                ArrayHeader(list.Count);
                foreach (var item in list) Value(item, depth + 1);
                return;
            }
            Str(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// MessagePack reader producing plain objects: null, bool, long (ulong above long.MaxValue),
    /// float, double, string (invalid UTF-8 replaced), byte[], List&lt;object&gt; and
    /// Dictionary&lt;string, object&gt; (non-string keys converted with ToString). Every
    /// malformation raises MsgPackException.
    /// </summary>
    internal static class MsgPackReader
    {
        static readonly Encoding Utf8 = new UTF8Encoding(false, false);

        /// <summary>Reads exactly one value spanning the whole buffer.</summary>
        public static object ReadSingle(byte[] data)
        {
            int pos = 0;
            object value = Read(data, ref pos, 0);
            if (pos != data.Length) throw new MsgPackException("trailing bytes after the value");
            return value;
        }

        static void Need(byte[] data, int pos, long count)
        {
            if (count < 0 || data.Length - pos < count) throw new MsgPackException("truncated");
        }

        static ulong BigEndian(byte[] data, ref int pos, int bytes)
        {
            Need(data, pos, bytes);
            ulong value = 0;
            for (int i = 0; i < bytes; i++) value = (value << 8) | data[pos++];
            return value;
        }

        static object Read(byte[] data, ref int pos, int depth)
        {
            if (depth > MsgPackWriter.MaxDepth) throw new MsgPackException("nested deeper than " + MsgPackWriter.MaxDepth + " levels");
            Need(data, pos, 1);
            byte b = data[pos++];
            if (b <= 0x7F) return (long)b;
            if (b >= 0xE0) return (long)(sbyte)b;
            if (b >= 0xA0 && b <= 0xBF) return ReadStr(data, ref pos, b & 0x1F);
            if (b >= 0x90 && b <= 0x9F) return ReadArray(data, ref pos, b & 0x0F, depth);
            if (b >= 0x80 && b <= 0x8F) return ReadMap(data, ref pos, b & 0x0F, depth);
            switch (b)
            {
                case 0xC0: return null;
                case 0xC2: return false;
                case 0xC3: return true;
                case 0xC4: return ReadBin(data, ref pos, (long)BigEndian(data, ref pos, 1));
                case 0xC5: return ReadBin(data, ref pos, (long)BigEndian(data, ref pos, 2));
                case 0xC6: return ReadBin(data, ref pos, (long)BigEndian(data, ref pos, 4));
                case 0xCA: return BitConverter.ToSingle(BitConverter.GetBytes((uint)BigEndian(data, ref pos, 4)), 0);
                case 0xCB: return BitConverter.Int64BitsToDouble((long)BigEndian(data, ref pos, 8));
                case 0xCC: return (long)BigEndian(data, ref pos, 1);
                case 0xCD: return (long)BigEndian(data, ref pos, 2);
                case 0xCE: return (long)BigEndian(data, ref pos, 4);
                case 0xCF:
                    {
                        ulong u = BigEndian(data, ref pos, 8);
                        if (u > long.MaxValue) return u;
                        return (long)u;
                    }
                case 0xD0: return (long)(sbyte)BigEndian(data, ref pos, 1);
                case 0xD1: return (long)(short)BigEndian(data, ref pos, 2);
                case 0xD2: return (long)(int)BigEndian(data, ref pos, 4);
                case 0xD3: return (long)BigEndian(data, ref pos, 8);
                case 0xD9: return ReadStr(data, ref pos, (long)BigEndian(data, ref pos, 1));
                case 0xDA: return ReadStr(data, ref pos, (long)BigEndian(data, ref pos, 2));
                case 0xDB: return ReadStr(data, ref pos, (long)BigEndian(data, ref pos, 4));
                case 0xDC: return ReadArray(data, ref pos, (long)BigEndian(data, ref pos, 2), depth);
                case 0xDD: return ReadArray(data, ref pos, (long)BigEndian(data, ref pos, 4), depth);
                case 0xDE: return ReadMap(data, ref pos, (long)BigEndian(data, ref pos, 2), depth);
                case 0xDF: return ReadMap(data, ref pos, (long)BigEndian(data, ref pos, 4), depth);
                default: throw new MsgPackException("unsupported type byte 0x" + b.ToString("x2"));
            }
        }

        static string ReadStr(byte[] data, ref int pos, long n)
        {
            Need(data, pos, n);
            string s = Utf8.GetString(data, pos, (int)n);
            pos += (int)n;
            return s;
        }

        static byte[] ReadBin(byte[] data, ref int pos, long n)
        {
            Need(data, pos, n);
            var bin = new byte[n];
            Buffer.BlockCopy(data, pos, bin, 0, (int)n);
            pos += (int)n;
            return bin;
        }

        static List<object> ReadArray(byte[] data, ref int pos, long count, int depth)
        {
            Need(data, pos, count); // every element takes at least one byte: refuses absurd counts before allocating
            var list = new List<object>((int)count);
            for (long i = 0; i < count; i++) list.Add(Read(data, ref pos, depth + 1));
            return list;
        }

        static Dictionary<string, object> ReadMap(byte[] data, ref int pos, long count, int depth)
        {
            Need(data, pos, count * 2);
            var map = new Dictionary<string, object>((int)count);
            for (long i = 0; i < count; i++)
            {
                object key = Read(data, ref pos, depth + 1);
                string name = key as string ?? Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                map[name] = Read(data, ref pos, depth + 1);
            }
            return map;
        }
    }
}
