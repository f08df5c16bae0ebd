using System.Net;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Tests;

/// <summary>
/// The data-protection key ring (the keys behind cookies, bearer tokens and personal data at rest) is stored sealed with
/// the key-ring key, which is not stored beside it: on SQLite in the keys folder's XML files, on PostgreSQL in the
/// database's DataProtectionKeys table (PostgreSqlNodesTests checks that table through SQL across nodes).
/// </summary>
public sealed class KeyRingTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    [Fact]
    public async Task Every_stored_key_is_sealed_with_the_key_ring_key_and_a_token_made_with_it_works()
    {
        var member = await factory.ClientAs("Member");
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/me")).StatusCode);

        var repository = factory.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!;
        var keys = repository.GetAllElements().Select(e => e.ToString()).ToList();
        Assert.NotEmpty(keys);
        var kek = factory.Services.GetRequiredService<KeyRingKey>();
        Assert.All(keys, xml =>
        {
            Assert.Contains("<keyRingSealed", xml);
            Assert.Contains($"keyRingKey=\"{kek.Id}\"", xml);
            Assert.DoesNotContain("masterKey", xml); // the plain secret's element
        });
        if (!factory.Database.IsPostgreSql)
        {
            // The files themselves, as a backup of the folder would hold them.
            var files = Directory.GetFiles(Path.Combine(factory.DataDirectory, "keys"), "key-*.xml");
            Assert.NotEmpty(files);
            Assert.All(files, f => Assert.DoesNotContain("masterKey", File.ReadAllText(f)));
            var keyFile = Path.Combine(factory.DataDirectory, "keys", KeyRingKey.FileName);
            Assert.Equal(32, new FileInfo(keyFile).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
        // Another key-ring key cannot open them, and says why.
        var other = new KeyRingKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var refused = Assert.Throws<InvalidOperationException>(() => other.CheckRing(keys));
        Assert.Contains("Give every node the same DataProtection:KeyRingKey", refused.Message);
        kek.CheckRing(keys);
    }
}
