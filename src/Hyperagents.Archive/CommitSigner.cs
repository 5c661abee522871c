using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Archive;

/// <summary>
/// Signs archive commits with a user-supplied ECDSA P-256 key as SSH signatures (git's <c>gpg.format=ssh</c>), so plain
/// <c>git verify-commit</c> checks them, and so does <c>hyperagents verify</c> against the key in the run manifest.
/// </summary>
/// <remarks>
/// The key is a PEM file (<c>openssl ecparam -name prime256v1 -genkey -noout -out key.pem</c>, or an OpenSSH ECDSA key
/// converted with <c>ssh-keygen -p -m PEM -f key</c>).
/// </remarks>
public sealed class CommitSigner : IDisposable
{
    private const string KeyType = "ecdsa-sha2-nistp256";
    private const string Namespace = "git";
    private const string HashName = "sha512";
    private readonly ECDsa _key;

    private CommitSigner(ECDsa key)
    {
        _key = key;
        PublicKey = KeyType + " " + Convert.ToBase64String(PublicKeyBlob(key.ExportParameters(false)));
    }

    /// <summary>The public key in OpenSSH form (<c>ecdsa-sha2-nistp256 AAAA...</c>), as recorded in the manifest.</summary>
    public string PublicKey { get; }

    /// <summary>Loads a P-256 private key from PEM text.</summary>
    /// <param name="pem">The PEM text (PKCS#8 or SEC1).</param>
    /// <exception cref="ArchiveException">Not a P-256 ECDSA private key.</exception>
    public static CommitSigner FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(false);
            if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value || parameters.Q.X is not { Length: 32 })
            {
                throw new ArchiveException("The signing key must be an ECDSA P-256 (prime256v1) key.");
            }

            return new CommitSigner(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ArchiveException($"The signing key is not a PEM ECDSA P-256 private key ({e.Message}). Create one with 'openssl ecparam -name prime256v1 -genkey -noout -out key.pem'.", e);
        }
    }

    /// <summary>The armored SSH signature of a commit buffer.</summary>
    /// <param name="content">The commit object's content (without the <c>gpgsig</c> header).</param>
    public string Sign(string content)
    {
        var signedData = SignedData(Encoding.UTF8.GetBytes(content));
        var ieee = _key.SignData(signedData, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var inner = new Writer().String(Mpint(ieee.AsSpan(0, 32))).String(Mpint(ieee.AsSpan(32))).ToArray();
        var signature = new Writer().String(KeyType).String(inner).ToArray();
        var blob = new Writer().Raw("SSHSIG"u8).UInt32(1)
            .String(PublicKeyBlob(_key.ExportParameters(false)))
            .String(Namespace).String("").String(HashName).String(signature).ToArray();
        var base64 = Convert.ToBase64String(blob);
        var armored = new StringBuilder("-----BEGIN SSH SIGNATURE-----\n");
        for (var i = 0; i < base64.Length; i += 70)
        {
            armored.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        }

        return armored.Append("-----END SSH SIGNATURE-----").ToString();
    }

    /// <summary>Whether <paramref name="armored"/> is a valid SSH signature of <paramref name="content"/> by <paramref name="publicKey"/>.</summary>
    /// <param name="armored">The armored signature from the commit's <c>gpgsig</c> header.</param>
    /// <param name="content">The signed commit content.</param>
    /// <param name="publicKey">The expected key in OpenSSH form.</param>
    public static bool Verify(string armored, string content, string publicKey)
    {
        try
        {
            var base64 = string.Concat(armored.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
            var reader = new Reader(Convert.FromBase64String(base64));
            if (!reader.Raw(6).SequenceEqual("SSHSIG"u8.ToArray()) || reader.UInt32() != 1)
            {
                return false;
            }

            var keyBlob = reader.Bytes();
            if (publicKey != KeyType + " " + Convert.ToBase64String(keyBlob) || reader.Text() != Namespace)
            {
                return false;
            }

            _ = reader.Bytes();
            if (reader.Text() != HashName)
            {
                return false;
            }

            var signature = new Reader(reader.Bytes());
            if (signature.Text() != KeyType)
            {
                return false;
            }

            var rs = new Reader(signature.Bytes());
            var r = FixedField(rs.Bytes());
            var s = FixedField(rs.Bytes());
            var key = new Reader(keyBlob);
            _ = key.Text();
            _ = key.Text();
            var q = key.Bytes();
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = q[1..33], Y = q[33..65] },
            });
            byte[] ieee = [.. r, .. s];
            return ecdsa.VerifyData(SignedData(Encoding.UTF8.GetBytes(content)), ieee, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or CryptographicException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    private static byte[] SignedData(byte[] message) =>
        new Writer().Raw("SSHSIG"u8).String(Namespace).String("").String(HashName).String(SHA512.HashData(message)).ToArray();

    private static byte[] PublicKeyBlob(ECParameters p) =>
        new Writer().String(KeyType).String("nistp256").String([0x04, .. p.Q.X!, .. p.Q.Y!]).ToArray();

    private static byte[] Mpint(ReadOnlySpan<byte> unsigned)
    {
        var trimmed = unsigned.TrimStart((byte)0);
        return trimmed.Length > 0 && (trimmed[0] & 0x80) != 0 ? [0, .. trimmed] : trimmed.ToArray();
    }

    private static byte[] FixedField(byte[] mpint)
    {
        var trimmed = mpint.AsSpan().TrimStart((byte)0);
        if (trimmed.Length > 32)
        {
            throw new FormatException("mpint too long");
        }

        var field = new byte[32];
        trimmed.CopyTo(field.AsSpan(32 - trimmed.Length));
        return field;
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public Writer Raw(ReadOnlySpan<byte> bytes)
        {
            _stream.Write(bytes);
            return this;
        }

        public Writer UInt32(uint value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
            return Raw(buffer);
        }

        public Writer String(ReadOnlySpan<byte> bytes) => UInt32((uint)bytes.Length).Raw(bytes);

        public Writer String(string text) => String(Encoding.UTF8.GetBytes(text));

        public byte[] ToArray() => _stream.ToArray();
    }

    private sealed class Reader(byte[] data)
    {
        private int _offset;

        public byte[] Raw(int count)
        {
            var slice = data[_offset..(_offset + count)];
            _offset += count;
            return slice;
        }

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Raw(4));

        public byte[] Bytes() => Raw(checked((int)UInt32()));

        public string Text() => Encoding.UTF8.GetString(Bytes());
    }
}
