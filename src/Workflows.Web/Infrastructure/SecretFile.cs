using System.Security.Cryptography;

namespace Workflows.Web.Infrastructure;

/// <summary>A random key kept in a file of the data folder (mode 0600), made once; several processes may start at the same moment.</summary>
public static class SecretFile
{
    public static byte[] LoadOrCreate(string path, int length)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            f.Write(RandomNumberGenerator.GetBytes(length));
        }
        catch (IOException) when (File.Exists(path)) { } // created before (or by another process at the same moment)
        for (var i = 0; ; i++)
        {
            var key = File.ReadAllBytes(path);
            if (key.Length >= length || i > 50) return key;
            Thread.Sleep(20); // another process is still writing it
        }
    }
}
