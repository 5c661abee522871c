using System.Security.Cryptography;
using System.Text;
using Hyperagents.Compiler;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>The compiled-evaluator cache: a second start of a package's evaluator compiles nothing, and an entry that is
/// corrupted or tampered with is detected, deleted and compiled again, never loaded.</summary>
public sealed class EvaluatorCacheTests : IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "ha-evcache-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    [Fact]
    public void A_second_start_takes_the_compiled_evaluator_from_the_cache_and_a_changed_package_compiles_again()
    {
        var package = DomainPackage.LoadFolder(TestPackages.Write());
        Assert.Equal(EvaluatorCacheResult.Miss, LoadAndCheck(package));
        Assert.Equal(EvaluatorCacheResult.Hit, LoadAndCheck(package));

        // Another package with the same evaluator sources and other data (as every generated dataset package is)
        // takes the same compiled evaluator.
        var folder = TestPackages.Write();
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "data", "notes.txt"), "other data");
        var otherData = DomainPackage.LoadFolder(folder);
        Assert.NotEqual(package.Hash, otherData.Hash);
        Assert.Equal(EvaluatorCacheResult.Hit, LoadAndCheck(otherData));

        var changed = DomainPackage.LoadFolder(TestPackages.Write(TestPackages.CloseToTarget + "\n// another package\n"));
        Assert.Equal(EvaluatorCacheResult.Miss, LoadAndCheck(changed));
        Assert.Equal(2, Directory.GetFiles(_cache, "*.evaluator").Length);
    }

    [Fact]
    public void A_corrupted_entry_or_one_holding_other_code_is_recompiled_never_loaded()
    {
        var package = DomainPackage.LoadFolder(TestPackages.Write());
        Assert.Equal(EvaluatorCacheResult.Miss, LoadAndCheck(package));
        var entry = Assert.Single(Directory.GetFiles(_cache, "*.evaluator"));
        var key = Path.GetFileNameWithoutExtension(entry);

        // One flipped bit of the image.
        var bytes = File.ReadAllBytes(entry);
        bytes[^100] ^= 1;
        File.WriteAllBytes(entry, bytes);
        Assert.Equal(EvaluatorCacheResult.Rebuilt, LoadAndCheck(package));
        Assert.Equal(EvaluatorCacheResult.Hit, LoadAndCheck(package));

        // Other code with a digest that matches: an assembly the policy refuses (this host's compiler, which uses files
        // and reflection), then an evaluator that is allowed but compiled from other sources.
        foreach (var image in new[] { File.ReadAllBytes(typeof(EvaluatorWorker).Assembly.Location), OtherEvaluatorImage() })
        {
            File.WriteAllBytes(entry, Entry(key, image));
            Assert.Equal(EvaluatorCacheResult.Rebuilt, LoadAndCheck(package));
            Assert.NotEqual(Entry(key, image), File.ReadAllBytes(entry));
        }
    }

    /// <summary>Loads the package in a fresh worker with the test's cache, checks it scores as its sources say, and
    /// returns what the cache did.</summary>
    private EvaluatorCacheResult LoadAndCheck(DomainPackage package)
    {
        using var worker = new EvaluatorWorker(package, TestPackages.Launch, _cache);
        worker.Load();
        var verdict = worker.Evaluate(package.FindTask("t1")!, """{"x": 4}""", null);
        Assert.Null(verdict.Fault);
        Assert.Equal(0.5, verdict.Raw);
        return worker.LastLoad!.Value;
    }

    /// <summary>The cached image of an evaluator that scores every answer 0.25 (allowed by the policy).</summary>
    private byte[] OtherEvaluatorImage()
    {
        var other = Path.Combine(_cache, "other");
        var package = DomainPackage.LoadFolder(TestPackages.Write(TestPackages.EvaluatorWithBody("return EvaluationResult.Ok(0.25, \"constant\");")));
        using (var worker = new EvaluatorWorker(package, TestPackages.Launch, other))
        {
            worker.Load();
        }

        var bytes = File.ReadAllBytes(Assert.Single(Directory.GetFiles(other, "*.evaluator")));
        Directory.Delete(other, recursive: true);
        return bytes[(8 + 32)..];
    }

    /// <summary>An entry as the cache writes one: magic, SHA-256 of key and image, image.</summary>
    private static byte[] Entry(string key, byte[] image)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(key + "\n"));
        hash.AppendData(image);
        return [.. "HAEVAL1\n"u8.ToArray(), .. hash.GetHashAndReset(), .. image];
    }
}
