using System.Net.Sockets;
using Npgsql;

namespace Hyperagents.Cluster;

/// <summary>Where a PostgreSQL membership lives: <c>postgresql://user@host:port/database</c> (or <c>postgres://</c>),
/// never with a password (that comes from the environment only, see <see cref="PostgresMembership"/>).</summary>
/// <param name="Host">The server's host name or address.</param>
/// <param name="Port">Its port (5432 by default).</param>
/// <param name="Database">The database (the user's name by default, as for psql).</param>
/// <param name="User">The role (the OS user's name by default, as for psql).</param>
/// <param name="SslMode">Npgsql's SSL mode (<c>?sslmode=</c>), or <see langword="null"/> for Npgsql's default.</param>
public sealed record PostgresTarget(string Host, int Port, string Database, string User, SslMode? SslMode)
{
    /// <summary>The spec without any secret, as shown and stored.</summary>
    public override string ToString() => $"postgresql://{User}@{Host}:{Port}/{Database}{(SslMode is { } m ? "?sslmode=" + m.ToString().ToLowerInvariant() : string.Empty)}";

    /// <summary>Parses a <c>postgresql://</c> or <c>postgres://</c> spec.</summary>
    /// <param name="text">The spec.</param>
    /// <param name="error">Why it is not one, naming the fix (never echoing a password).</param>
    internal static PostgresTarget? Parse(string text, out string? error)
    {
        error = null;
        const string Form = "give postgresql://user@host:port/database (the password comes from PGPASSWORD or HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE, never from the command line)";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = $"--cluster '{ClusterSpec.Redact(text)}' is not a PostgreSQL address: {Form}.";
            return null;
        }

        var userInfo = Uri.UnescapeDataString(uri.UserInfo);
        if (userInfo.Contains(':', StringComparison.Ordinal))
        {
            error = $"--cluster {ClusterSpec.Redact(text)}: a password on the command line is refused (it would land in shell history and process lists); remove it and set PGPASSWORD, or HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE to a file holding it.";
            return null;
        }

        SslMode? ssl = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.IndexOf('=', StringComparison.Ordinal) is var at and >= 0 ? (pair[..at], Uri.UnescapeDataString(pair[(at + 1)..])) : (pair, string.Empty);
            if (!key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) || !Enum.TryParse<SslMode>(value.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var mode))
            {
                error = $"--cluster {ClusterSpec.Redact(text)}: '{key}' is not understood; the only option is ?sslmode=disable|prefer|require|verify-ca|verify-full.";
                return null;
            }

            ssl = mode;
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Contains('/', StringComparison.Ordinal))
        {
            error = $"--cluster {ClusterSpec.Redact(text)}: '{path}' is not a database name; {Form}.";
            return null;
        }

        var user = userInfo.Length > 0 ? userInfo : Environment.UserName;
        var database = path.Length > 0 ? Uri.UnescapeDataString(path) : user;
        return new PostgresTarget(uri.Host, uri.Port > 0 ? uri.Port : 5432, database, user, ssl);
    }
}

/// <summary>The membership cannot be used: the database is unreachable, refuses the login, or lacks the tables and
/// the right to create them. The message is one line naming the problem and the fix.</summary>
/// <param name="message">What is wrong and how to fix it.</param>
/// <param name="inner">The driver's error.</param>
public sealed class ClusterMembershipException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>PostgreSQL membership through Orleans' ADO.NET clustering: a data source whose password comes from the
/// environment only (<c>PGPASSWORD</c>, or the file <c>HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE</c> names; else Npgsql's
/// own <c>~/.pgpass</c> lookup), and the membership tables, created when absent. The password is held by the data
/// source alone: never in a connection string Orleans sees, a log line, the archive or provenance.</summary>
public sealed class PostgresMembership : IAsyncDisposable
{
    /// <summary>The standard PostgreSQL password variable.</summary>
    public const string PasswordVariable = "PGPASSWORD";

    /// <summary>The variable naming a file that holds the database password.</summary>
    public const string PasswordFileVariable = "HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE";

    /// <summary>The key of the advisory lock held while the tables are created (any constant; "HYPRAGNT" in ASCII).</summary>
    private const long SchemaLock = 0x4859505241474E54;

    private PostgresMembership(PostgresTarget target, NpgsqlDataSource dataSource) => (Target, DataSource) = (target, dataSource);

    /// <summary>Where it lives.</summary>
    public PostgresTarget Target { get; }

    /// <summary>The data source Orleans opens its connections from.</summary>
    internal NpgsqlDataSource DataSource { get; }

    /// <summary>Connects, checks the login and creates the membership tables when absent (idempotent; processes that
    /// start at once serialise on an advisory lock).</summary>
    /// <param name="target">The database.</param>
    /// <param name="cancellationToken">Stops it.</param>
    /// <exception cref="ClusterMembershipException">The password file is missing, the server unreachable, the login
    /// refused, the database missing, or the tables absent and not creatable.</exception>
    public static Task<PostgresMembership> OpenAsync(PostgresTarget target, CancellationToken cancellationToken) => OpenAsync(target, Password, cancellationToken);

    /// <summary>As <see cref="OpenAsync(PostgresTarget, CancellationToken)"/>, with the password from <paramref name="password"/>.</summary>
    internal static async Task<PostgresMembership> OpenAsync(PostgresTarget target, Func<string?> password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var builder = new NpgsqlDataSourceBuilder
        {
            ConnectionStringBuilder =
            {
                Host = target.Host,
                Port = target.Port,
                Database = target.Database,
                Username = target.User,
                Timeout = 15,
                ApplicationName = "hyperagents",
            },
        };
        if (target.SslMode is { } ssl)
        {
            builder.ConnectionStringBuilder.SslMode = ssl;
        }

        if (password() is { } given)
        {
            builder.ConnectionStringBuilder.Password = given;
        }

        var dataSource = builder.Build();
        try
        {
            await EnsureSchemaAsync(dataSource, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw ex as ClusterMembershipException ?? Explain(target, ex);
        }

        return new PostgresMembership(target, dataSource);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>The password from the environment, if any.</summary>
    private static string? Password()
    {
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } text)
        {
            return text;
        }

        if (Environment.GetEnvironmentVariable(PasswordFileVariable) is not { Length: > 0 } file)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClusterMembershipException($"{PasswordFileVariable} names '{file}', which cannot be read ({ex.GetType().Name}); point it at a file holding the database password.", ex);
        }
    }

    private static async Task EnsureSchemaAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLock})", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand(Script.Value, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(PostgresMembership).Assembly.GetManifestResourceStream("Hyperagents.Cluster.postgres-membership.sql")
            ?? throw new InvalidOperationException("The PostgreSQL membership script is missing from Hyperagents.Cluster.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>One line naming the problem and the fix; never the password.</summary>
    private static ClusterMembershipException Explain(PostgresTarget target, Exception ex)
    {
        var at = target.ToString();
        var message = ex switch
        {
            PostgresException { SqlState: "28P01" } pg =>
                $"PostgreSQL at {target.Host}:{target.Port} refused the login of '{target.User}' ({pg.MessageText}); set {PasswordVariable} (or {PasswordFileVariable}) to that role's password, or fix the role in --cluster.",
            PostgresException { SqlState: "28000" } pg =>
                $"PostgreSQL at {target.Host}:{target.Port} refused '{target.User}' ({pg.MessageText}); allow this machine and role in the server's pg_hba.conf, or fix the role in --cluster.",
            PostgresException { SqlState: "3D000" } =>
                $"PostgreSQL at {target.Host}:{target.Port} has no database '{target.Database}'; create it (createdb -h {target.Host} -p {target.Port} -U {target.User} {target.Database}) or name another in --cluster.",
            PostgresException { SqlState: "42501" } =>
                $"The role '{target.User}' may not create the membership tables in {at}; grant it CREATE on the database's public schema (or start one node as the database owner once).",
            NpgsqlException { InnerException: null } when ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
                $"PostgreSQL at {target.Host}:{target.Port} wants a password for '{target.User}' and none was given; set {PasswordVariable} (or {PasswordFileVariable}) to it.",
            PostgresException pg =>
                $"PostgreSQL membership at {at} failed: {pg.MessageText} (SQLSTATE {pg.SqlState}); see docs/cluster.md.",
            NpgsqlException { InnerException: SocketException or TimeoutException } or NpgsqlException { InnerException: IOException } or SocketException or TimeoutException =>
                $"Cannot reach PostgreSQL at {target.Host}:{target.Port} ({ex.InnerException?.Message ?? ex.Message}); start the server, check the address and port in --cluster, and that this machine may connect (listen_addresses, pg_hba.conf, firewall).",
            _ => $"PostgreSQL membership at {at} failed: {ex.Message}; see docs/cluster.md.",
        };
        return new ClusterMembershipException(message, ex);
    }
}
