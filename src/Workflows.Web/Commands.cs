using Workflows.Persistence.Stores;

namespace Workflows.Web;

/// <summary>Command-line operations run with the host's configuration instead of serving (e.g. <c>verify-journal &lt;instanceId&gt;…</c>).</summary>
public static class Commands
{
    private static readonly string[] Known = ["verify-journal", "create-admin"];

    /// <summary>Splits the command line into a command, its arguments, and "--key value" configuration settings.</summary>
    public static (string? Command, string[] CommandArgs, string[] Settings) Split(string[] args)
    {
        if (args.Length == 0 || !Known.Contains(args[0])) return (null, [], args);
        var commandArgs = new List<string>();
        var settings = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--all") commandArgs.Add(args[i]);
            else if (args[i].StartsWith("--") && !args[i].Contains('=') && i + 1 < args.Length) { settings.Add(args[i]); settings.Add(args[++i]); }
            else if (args[i].StartsWith("--")) settings.Add(args[i]);
            else commandArgs.Add(args[i]);
        }
        return (args[0], commandArgs.ToArray(), settings.ToArray());
    }

    /// <summary>
    /// <c>create-admin &lt;userName&gt; [--display-name "…"]</c>: creates an Admin with a generated password, printed once
    /// (the Admin changes it after signing in). The way to the first admin of an installation without demo users; run on
    /// the server with the host's configuration. Exit code 0 when created, 1 when the name is taken or not valid.
    /// </summary>
    public static async Task<int> CreateAdminAsync(WebApplication app, string[] args)
    {
        if (args.Length != 1 || args[0].Length is < 2 or > 64 || !args[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            Console.Error.WriteLine("Usage: create-admin <userName>   (2 to 64 letters, digits, '.', '-' or '_')");
            return 1;
        }
        await using var scope = app.Services.CreateAsyncScope();
        var staff = scope.ServiceProvider.GetRequiredService<Identity.StaffUsers>();
        try
        {
            var password = Identity.StaffUsers.GeneratePassword();
            await staff.CreateAsync(new Identity.NewStaffUser(args[0], app.Configuration["display-name"] ?? "Administrator", [Infrastructure.Roles.Admin], password),
                actor: "create-admin (command line)");
            Console.WriteLine($"Created admin '{args[0]}'. One-time password: {password}");
            Console.WriteLine("Sign in and change it (账户 → 修改密码) before doing anything else.");
            return 0;
        }
        catch (Identity.AccountRequestException e)
        {
            Console.Error.WriteLine($"Not created: {e.Message}");
            return 1;
        }
    }

    /// <summary>Verifies the journal hash chain of the given instances (or all, with --all). Exit code 0 if every chain is intact, 2 otherwise.</summary>
    public static async Task<int> VerifyJournalAsync(WebApplication app, string[] ids)
    {
        var store = app.Services.GetRequiredService<SqliteWorkflowStore>();
        if (ids.Length == 0 || ids is ["--all"])
        {
            var db = app.Services.GetRequiredService<Workflows.Persistence.DatabaseOptions>();
            await using var c = db.Open();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT Id FROM WorkflowInstances ORDER BY CreatedAt";
            var all = new List<string>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) all.Add(r.GetString(0));
            ids = all.ToArray();
        }
        var broken = 0;
        foreach (var id in ids)
        {
            var result = await store.VerifyJournalAsync(id);
            if (result.IsValid) Console.WriteLine($"OK      {id}  {result.EntryCount} entries");
            else
            {
                broken++;
                Console.WriteLine($"BROKEN  {id}  at entry {result.BrokenSequence}: {result.Reason}");
            }
        }
        Console.WriteLine($"{ids.Length - broken} intact, {broken} broken");
        return broken == 0 ? 0 : 2;
    }
}
