using System.Numerics;
using System.Security.Cryptography;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>The request id algorithms of APISIX's request-id: uuid (v4), uuidv7 (time-ordered), nanoid, range_id, ksuid.</summary>
public static class RequestIds
{
    /// <summary>range_id's characters unless configured, as APISIX ships them (G twice, no J).</summary>
    public const string DefaultRangeCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789";

    private const string NanoidAlphabet = "-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly Lock V7Lock = new();
    private static long _v7LastMs;
    private static int _v7Sequence;

    public static string Uuid() => Guid.NewGuid().ToString();

    /// <summary>21 characters of URL-safe base64's alphabet, each from a random byte.</summary>
    public static string Nanoid()
    {
        Span<byte> random = stackalloc byte[21];
        RandomNumberGenerator.Fill(random);
        return string.Create(21, random.ToArray(), static (chars, bytes) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = NanoidAlphabet[bytes[i] & 63];
            }
        });
    }

    /// <summary><paramref name="length"/> characters drawn uniformly from <paramref name="characters"/>.</summary>
    public static string RangeId(int length, string characters) => new(RandomNumberGenerator.GetItems<char>(characters, length));

    /// <summary>
    /// A KSUID: 4 bytes of seconds since 2014-05-13 16:53:20 UTC and 16 random bytes, as 27 base62 characters, so
    /// ids sort by time.
    /// </summary>
    public static string Ksuid(DateTimeOffset now)
    {
        Span<byte> raw = stackalloc byte[21]; // a leading zero keeps the number positive
        var seconds = (uint)(now.ToUnixTimeSeconds() - 1_400_000_000);
        raw[1] = (byte)(seconds >> 24);
        raw[2] = (byte)(seconds >> 16);
        raw[3] = (byte)(seconds >> 8);
        raw[4] = (byte)seconds;
        RandomNumberGenerator.Fill(raw[5..]);
        var value = new BigInteger(raw, isUnsigned: true, isBigEndian: true);
        var text = new char[27];
        for (var i = 26; i >= 0; i--)
        {
            value = BigInteger.DivRem(value, 62, out var digit);
            text[i] = Base62[(int)digit];
        }
        return new string(text);
    }

    /// <summary>
    /// A UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then an 18-bit counter within the millisecond (12 bits in
    /// the version group, 6 in the variant byte) and random bits, so ids made one after another always increase.
    /// </summary>
    public static string UuidV7(DateTimeOffset now)
    {
        long ms;
        int sequence;
        lock (V7Lock)
        {
            ms = Math.Max(now.ToUnixTimeMilliseconds(), _v7LastMs);
            if (ms == _v7LastMs)
            {
                if (++_v7Sequence > 0x3FFFF)
                {
                    ms++;
                    _v7Sequence = 0;
                }
            }
            else
            {
                _v7Sequence = RandomNumberGenerator.GetInt32(0x1000); // a random start leaves room to count up
            }
            _v7LastMs = ms;
            sequence = _v7Sequence;
        }
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[9..]);
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (40 - 8 * i));
        }
        var high = 0x7000 | (sequence >> 6);
        bytes[6] = (byte)(high >> 8);
        bytes[7] = (byte)high;
        bytes[8] = (byte)(0x80 | (sequence & 0x3F));
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
