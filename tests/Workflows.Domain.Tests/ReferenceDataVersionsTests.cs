using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Domain.Calendar;
using Workflows.Domain.ReferenceData;

namespace Workflows.Domain.Tests;

/// <summary>The upload check: every shipped list passes; a bad file's every problem is named by line and column, in Chinese.</summary>
public sealed class ReferenceListCheckTests
{
    [Fact]
    public void Every_shipped_list_passes_its_own_check()
    {
        foreach (var list in ReferenceList.All)
        {
            var check = list.Check(ReferenceDataLoader.ReadEmbedded(list.File));
            Assert.True(check.Errors.Count == 0, $"{list.Code}: {string.Join(" ", check.Errors.Select(e => e.MessageZh))}");
            Assert.True(check.Table!.Rows.Count > 0);
        }
        Assert.Equal(7, ReferenceList.All.Select(l => l.File).Distinct().Count());
    }

    [Fact]
    public void A_bad_file_names_every_problem_by_line_and_column_in_Chinese()
    {
        var list = ReferenceList.Find("cpic-pharmacies")!;
        var check = list.Check("province,city,pharmacy_count,example_dtp_pharmacy,note\n安徽省,,1,某药房,\n安徽省,合肥市,十,,\n安徽省,蚌埠市,2\n");
        Assert.Null(check.Table);
        Assert.Equal(new[] { (2, "city"), (3, "pharmacy_count"), (4, (string?)null) }, check.Errors.Select(e => (e.Line, e.Column)).ToArray());
        Assert.Contains("“城市”（city）不能为空", check.Errors[0].MessageZh);
        Assert.Contains("应为不小于 0 的整数，现为“十”", check.Errors[1].MessageZh);

        Assert.Contains(list.Check("province,city\n安徽省,合肥市\n").Errors, e => e.Line == 1 && e.MessageZh == "表头缺少列“pharmacy_count”（药店数量）。");
        Assert.Contains("没有数据行", list.Check("province,city,pharmacy_count,example_dtp_pharmacy,note\n").Errors.Single().MessageZh);
        Assert.Contains("第 2 行", list.Check("province,city,pharmacy_count,example_dtp_pharmacy,note\n安\"徽,合肥,1,,\n").Errors.Single().MessageZh);
        Assert.Contains("UTF-8", list.Check([0xB0, 0xB2, 0xBB, 0xD5, 0x2C, 0x0A]).Errors.Single().MessageZh);
        Assert.Contains("不是已知的清单", ReferenceList.Find("cpic-drugs")!
            .Check("list_code,list,seq,brand_name,generic_name,manufacturer,indication,note\nmade_up,某清单,1,,某药,,,\n").Errors.Single().MessageZh);
    }

    [Fact]
    public void The_diff_finds_added_removed_and_changed_rows_by_key()
    {
        var list = ReferenceList.Find("jd-designated-hospitals")!;
        var before = list.Check("province,city,hospital,note\n上海,上海,甲医院,\n上海,上海,乙医院,\n北京,北京,丙医院,\n").Table!;
        var after = list.Check("province,city,hospital,note\n上海,上海,甲医院,新院区\n北京,北京,丙医院,\n广东,广州,丁医院,\n").Table!;
        var diff = list.Diff(before, after);
        Assert.Equal("丁医院", diff.Added.Single().Values["hospital"]);
        Assert.Equal("乙医院", diff.Removed.Single().Values["hospital"]);
        Assert.Equal(("note", "", "新院区"), diff.Changed.Single().Changes.Select(c => (c.Column, c.Old, c.New)).Single());
        Assert.True(list.Diff(before, before).IsEmpty);
    }
}

/// <summary>
/// Two nodes on one SQLite file: a version published on one reaches the other on refresh, both switch at Asia/Shanghai
/// midnight of its effective date with no database read and no restart, and earlier versions stay readable for replay.
/// </summary>
public sealed class ReferenceDataStoreTests : IDisposable
{
    private readonly ReferenceDatabase _database = new();

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Counts the contexts created, so a test can tell whether a read touched the database.</summary>
    private sealed class CountingFactory(ReferenceDatabase database) : IDbContextFactory<DomainDbContext>
    {
        public int Created;
        public DomainDbContext CreateDbContext()
        {
            Interlocked.Increment(ref Created);
            return database.Context();
        }
    }

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task A_version_published_on_one_node_takes_effect_on_both_at_Shanghai_midnight_of_its_date()
    {
        await using (var db = _database.Context())
        {
            await db.Database.EnsureDeletedAsync();
            await db.Database.MigrateAsync(); // the real schema, with the immutability triggers
        }
        var clock = new Clock(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        await using (var db = _database.Context()) await ReferenceDataStore.EnsureFirstVersionAsync(db, clock);
        await using (var db = _database.Context()) await ReferenceDataStore.EnsureFirstVersionAsync(db, clock); // a second node starting: still one version 1
        var (factoryA, factoryB) = (new CountingFactory(_database), new CountingFactory(_database));
        var nodeA = new ReferenceDataStore(factoryA, clock, BusinessCalendar.Default, NullLogger<ReferenceDataStore>.Instance);
        var nodeB = new ReferenceDataStore(factoryB, clock, BusinessCalendar.Default, NullLogger<ReferenceDataStore>.Instance);
        Assert.Equal(("1", "1"), (nodeA.Current.Version, nodeB.Current.Version));
        Assert.NotNull(nodeB.Current.FindJdDrug("可瑞达"));

        var text = string.Join('\n', ReferenceDataLoader.ReadEmbedded(ReferenceDataLoader.JdDrugFile).Split('\n').Where(l => !l.Contains("帕博利珠单抗")));
        await using (var db = _database.Context())
        {
            var admin = new ReferenceDataAdmin(db, nodeA, clock, BusinessCalendar.Default, NullLogger<ReferenceDataAdmin>.Instance);
            var upload = await admin.UploadAsync("jd-drugs", "jd.csv", System.Text.Encoding.UTF8.GetBytes(text), "admin");
            Assert.Equal(1, upload.Diff.Removed.Count);
            var (version, created) = await admin.PublishAsync(upload.Id, new PublishRequest("2026-06-12"), "admin");
            Assert.True(created);
            Assert.Equal(2, version.Number);
        }
        await nodeB.RefreshAsync(); // what ReferenceDataRefresher does every few seconds
        Assert.Equal(("1", "1"), (nodeA.Current.Version, nodeB.Current.Version));

        var (readsA, readsB) = (factoryA.Created, factoryB.Created);
        clock.Now = DateTimeOffset.Parse("2026-06-11T15:59:59Z"); // 23:59:59 on 11 June in Shanghai
        Assert.Equal(("1", "1"), (nodeA.Current.Version, nodeB.Current.Version));
        clock.Now = DateTimeOffset.Parse("2026-06-11T16:00:00Z"); // 00:00 on 12 June in Shanghai
        Assert.Equal(("2", "2"), (nodeA.Current.Version, nodeB.Current.Version));
        Assert.Null(nodeB.Current.FindJdDrug("可瑞达"));
        for (var i = 0; i < 1000; i++) _ = nodeA.Current.FindJdDrug("阿来替尼");
        Assert.Equal((readsA, readsB), (factoryA.Created, factoryB.Created)); // the switch and the decisions read no database

        Assert.NotNull((await nodeB.AtVersionAsync("1"))!.FindJdDrug("可瑞达"));
        Assert.Null(await nodeB.AtVersionAsync("7"));
        Assert.Null(await nodeB.AtVersionAsync("v1"));
    }
}
