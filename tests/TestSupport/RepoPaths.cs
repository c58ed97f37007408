namespace OrleansGateway.TestSupport;

/// <summary>Where the built hosts are, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, as the tests were built.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The silo as built here, or another build named by <c>OG_SILO_DLL</c> (bench/ compares builds).</summary>
    public static string SiloDll => Environment.GetEnvironmentVariable("OG_SILO_DLL") is { Length: > 0 } other ? other : Built("Silo", "OrleansGateway.Silo.dll");

    /// <summary>The data plane as built here, or another build named by <c>OG_DATAPLANE_DLL</c> (bench/ compares builds).</summary>
    public static string DataPlaneDll => Environment.GetEnvironmentVariable("OG_DATAPLANE_DLL") is { Length: > 0 } other ? other : Built("DataPlane", "OrleansGateway.DataPlane.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; build the solution first", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansGateway.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("OrleansGateway.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh temporary folder under the system temp directory.</summary>
    public static string TempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(path);
        return path;
    }
}
