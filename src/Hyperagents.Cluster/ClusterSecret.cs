using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Cluster;

/// <summary>The shared secret every node and the orchestrator hold: nodes prove it when they are enrolled (an HMAC of a
/// fresh nonce) and sign every result with it. Orleans' cluster and service ids name a cluster; they authenticate
/// nothing.</summary>
public sealed class ClusterSecret
{
    /// <summary>The environment variable holding the secret.</summary>
    public const string Variable = "HYPERAGENTS_CLUSTER_SECRET";

    /// <summary>The environment variable naming a file holding the secret.</summary>
    public const string FileVariable = "HYPERAGENTS_CLUSTER_SECRET_FILE";

    /// <summary>The shortest secret accepted, in bytes.</summary>
    public const int MinimumBytes = 16;

    private static readonly string TooShort = $"The cluster secret is shorter than {MinimumBytes} bytes; set {Variable} to a long random value (e.g. `openssl rand -hex 32`).";

    private readonly byte[] _key;

    /// <summary>Creates a secret from its text.</summary>
    /// <param name="secret">At least <see cref="MinimumBytes"/> bytes of UTF-8.</param>
    /// <exception cref="ArgumentException">The secret is too short.</exception>
    public ClusterSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _key = Encoding.UTF8.GetBytes(secret.Trim());
        if (_key.Length < MinimumBytes)
        {
            throw new ArgumentException(TooShort);
        }
    }

    /// <summary>Reads the secret from <see cref="Variable"/>, or from the file <see cref="FileVariable"/> names.</summary>
    /// <param name="error">Why there is none, as a one-line message naming the fix.</param>
    public static ClusterSecret? FromEnvironment(out string? error)
    {
        error = null;
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(text) && Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                error = $"{FileVariable} names '{file}', which does not exist; point it at a file holding the cluster secret.";
                return null;
            }

            text = File.ReadAllText(file);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"No cluster secret: set {Variable} (or {FileVariable}) to the same long random value on every node and on the orchestrator, e.g. `export {Variable}=$(openssl rand -hex 32)`.";
            return null;
        }

        if (Encoding.UTF8.GetByteCount(text.Trim()) < MinimumBytes)
        {
            error = TooShort;
            return null;
        }

        return new ClusterSecret(text);
    }

    /// <summary>HMAC-SHA256 of the parts, each length-prefixed so no two part lists sign alike.</summary>
    /// <param name="parts">What is signed.</param>
    public byte[] Sign(params string[] parts)
    {
        using var hmac = new HMACSHA256(_key);
        var buffer = new List<byte>();
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            buffer.AddRange(BitConverter.GetBytes(bytes.Length));
            buffer.AddRange(bytes);
        }

        return hmac.ComputeHash([.. buffer]);
    }

    /// <summary>Whether <paramref name="mac"/> signs the parts (constant time).</summary>
    /// <param name="mac">The claimed signature.</param>
    /// <param name="parts">What it should sign.</param>
    public bool Verify(byte[]? mac, params string[] parts) =>
        mac is { Length: 32 } && CryptographicOperations.FixedTimeEquals(mac, Sign(parts));

    /// <summary>The lower-case hex SHA-256 of some bytes.</summary>
    /// <param name="bytes">The bytes.</param>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The content hash of a file tree: SHA-256 over its paths and contents in ordinal path order, each
    /// length-prefixed (no two trees share the bytes hashed).</summary>
    /// <param name="files">The files.</param>
    public static string TreeHash(IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            foreach (var part in new[] { path, content })
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(part);
                hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
                hash.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
