using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.ReferenceData;
using Workflows.Persistence;

namespace Workflows.Domain.Tests;

/// <summary>A DomainDbContext schema on a real SQLite file (WAL) in a temp folder, deleted afterwards.</summary>
public sealed class ReferenceDatabase : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "wf-refdata-" + Guid.NewGuid().ToString("N")[..8]);
    public DatabaseOptions Options { get; }

    public ReferenceDatabase()
    {
        Options = Workflows.Tests.TestDatabase.Fresh(Directory, "t.db"); // PostgreSQL leg: a database of its own
        if (!Options.IsPostgreSql) Options.EnsureWal();
        using var db = Context();
        db.Database.EnsureCreated(); // no DomainDbContext migrations yet
    }

    public DomainDbContext Context()
    {
        var builder = new DbContextOptionsBuilder<DomainDbContext>();
        DomainDbContext.Configure(builder, Options);
        return new DomainDbContext(builder.Options);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Workflows.Tests.TestDatabase.Drop(Options);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One database loaded once, and a lookup snapshot over it, shared by the lookup tests.</summary>
public sealed class LoadedReference : IAsyncLifetime
{
    public ReferenceDatabase Database { get; } = new();
    public ReferenceLookup Lookup { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using (var db = Database.Context()) await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);
        await using (var db = Database.Context()) Lookup = await ReferenceLookup.LoadAsync(db);
    }

    public Task DisposeAsync()
    {
        Database.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class ReferenceDataLoaderTests
{
    // docs/reference-data.md, "Row counts".
    private static readonly ReferenceCounts Documented = new(
        GreenChannelHospitals: 106,
        EscortCities: 417,
        CpicShanghaiNewInnovativeDrugs: 3,
        CpicOtherDomesticApprovedDrugs: 56,
        CpicSpecialLicensedImportDrugs: 4,
        JdDrugs: 56,
        CpicPharmacyCities: 250,
        CpicPharmacies: 1109,
        JdPharmacyCities: 240,
        JdDesignatedHospitals: 693);

    [Fact]
    public async Task Load_yields_the_documented_row_counts()
    {
        using var database = new ReferenceDatabase();
        await using var db = database.Context();

        var loaded = await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);

        Assert.Equal(Documented, loaded);
        Assert.Equal(63, loaded.CpicDrugs);
        // Counted again, through a fresh context, from what was committed.
        await using var other = database.Context();
        Assert.Equal(Documented, await ReferenceDataLoader.CountAsync(other));
        Assert.Equal(
            "green-channel hospitals 106, escort cities 417, CPIC drugs 63 (3 + 56 + 4), JD drugs 56, " +
            "CPIC pharmacy cities 250 (1,109 pharmacies), JD pharmacy cities 240, JD designated hospitals 693",
            loaded.ToString());
    }

    [Fact]
    public async Task Loading_twice_leaves_the_same_rows_and_replaces_anything_else()
    {
        using var database = new ReferenceDatabase();
        await using (var db = database.Context()) await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);
        var first = await Snapshot(database);

        // A stray row (say, hand-edited) must not survive a reload.
        await using (var db = database.Context())
        {
            db.EscortCities.Add(new EscortCity { Province = "火星", City = "奥林帕斯市", CityKey = "奥林帕斯" });
            await db.SaveChangesAsync();
        }

        ReferenceCounts second;
        await using (var db = database.Context()) second = await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);

        Assert.Equal(Documented, second);
        Assert.Equal(first, await Snapshot(database));
    }

    [Fact]
    public async Task Loaded_rows_carry_keys_and_verbatim_values()
    {
        using var database = new ReferenceDatabase();
        await using var db = database.Context();
        await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);

        var keytruda = await db.Drugs.SingleAsync(d => d.Source == "JD" && d.BrandName == "可瑞达");
        Assert.Equal(("jd", "京东安联特药清单", 1, "帕博利珠单抗", "帕博利珠单抗"),
            (keytruda.List, keytruda.ListName, keytruda.Seq, keytruda.GenericName, keytruda.GenericKey));
        Assert.Equal("黑色素瘤，肺癌", keytruda.Indication); // full-width comma is data, not a separator
        Assert.Null(keytruda.Note);

        var subcutaneous = await db.Drugs.SingleAsync(d => d.List == "other_domestic_approved" && d.Seq == 54);
        Assert.Equal("帕妥珠曲妥珠单抗注射液 （皮下注射）", subcutaneous.GenericName); // verbatim, space kept
        Assert.Equal("帕妥珠曲妥珠单抗注射液(皮下注射)", subcutaneous.GenericKey);

        var direct = await db.EscortCities.SingleAsync(c => c.City == "直辖县");
        Assert.Equal(
            "verbatim; not a place name (generic \"directly administered county-level units\"); placed under 新疆 by column position and sort order",
            direct.Note);

        var shanghai = await db.PharmacyCities.SingleAsync(p => p.Source == "CPIC" && p.City == "上海市");
        Assert.Equal(("上海", 28, "上海上医新特药商店有限公司"), (shanghai.CityKey, shanghai.PharmacyCount, shanghai.ExamplePharmacy));

        var hospital = await db.GreenChannelHospitals.SingleAsync(h => h.Hospital == "中国人民解放军总医院（301 医院）");
        Assert.Equal("中国人民解放军总医院(301医院)", hospital.NameKey);
    }

    [Theory]
    [InlineData("cpic-green-channel-hospitals.csv", "hospital")]
    [InlineData("cpic-escort-cities.csv", "city")]
    [InlineData("cpic-drug-lists.csv", "list_code")]
    [InlineData("jd-drug-list.csv", "cancer_types")]
    [InlineData("cpic-pharmacies.csv", "pharmacy_count")]
    [InlineData("jd-pharmacy-cities.csv", "province")]
    [InlineData("jd-designated-hospitals.csv", "note")]
    public void A_renamed_header_column_fails_naming_the_file_and_column(string file, string column)
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            ReferenceDataLoader.Read(f => f == file ? RenameHeader(ReferenceDataLoader.ReadEmbedded(f), column) : ReferenceDataLoader.ReadEmbedded(f)));

        Assert.Contains($"'{file}'", error.Message);
        Assert.Contains($"no column '{column}'", error.Message);
    }

    [Fact]
    public async Task A_bad_file_fails_the_load_and_leaves_the_tables_as_they_were()
    {
        using var database = new ReferenceDatabase();
        await using (var db = database.Context()) await ReferenceDataLoader.LoadAsync(db, CancellationToken.None);

        await using (var db = database.Context())
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReferenceDataLoader.LoadAsync(db,
                f => f == "jd-drug-list.csv" ? RenameHeader(ReferenceDataLoader.ReadEmbedded(f), "cancer_types") : ReferenceDataLoader.ReadEmbedded(f),
                CancellationToken.None));
            Assert.Equal(
                "Reference data file 'jd-drug-list.csv' has no column 'cancer_types' " +
                "(header: seq,brand_name,generic_name,manufacturer,cancer_types_x,note).",
                error.Message);
        }

        await using (var db = database.Context()) Assert.Equal(Documented, await ReferenceDataLoader.CountAsync(db));
    }

    [Fact]
    public void Bad_rows_fail_naming_file_and_line()
    {
        void Text(string file, string text) => ReferenceDataLoader.Read(f => f == file ? text : ReferenceDataLoader.ReadEmbedded(f));

        var count = Assert.Throws<InvalidDataException>(() => Text("cpic-pharmacies.csv",
            "province,city,pharmacy_count,example_dtp_pharmacy,note\n上海市,上海市,很多,某药房,\n"));
        Assert.Equal("Reference data file 'cpic-pharmacies.csv' line 2: column 'pharmacy_count' is not a whole number: '很多'.", count.Message);

        var width = Assert.Throws<InvalidDataException>(() => Text("cpic-escort-cities.csv",
            "province,city,note\n上海市,上海市,\n四川,成都市,a,b\n"));
        Assert.Equal("Reference data file 'cpic-escort-cities.csv' line 3: 4 fields, but the header has 3.", width.Message);

        var list = Assert.Throws<InvalidDataException>(() => Text("cpic-drug-lists.csv",
            "list_code,list,seq,brand_name,generic_name,manufacturer,indication,note\nnew_list,新清单,1,,某药,,,\n"));
        Assert.StartsWith("Reference data file 'cpic-drug-lists.csv' line 2: unknown list_code 'new_list'", list.Message);

        var unclosed = Assert.Throws<InvalidDataException>(() => Text("jd-pharmacy-cities.csv",
            "province,city,note\n四川,成都,\"open\n"));
        Assert.Equal("Reference data file 'jd-pharmacy-cities.csv' line 2: a quoted field is not closed before the end of the file.", unclosed.Message);
    }

    // --- the CSV reader itself ---

    [Fact]
    public void Csv_quoted_fields_keep_commas_and_doubled_quotes()
    {
        var records = ReferenceDataLoader.ParseCsv("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"\"\n");

        Assert.Equal(2, records.Count);
        Assert.Equal(new[] { "a", "b", "c" }, records[0].Fields);
        Assert.Equal(new[] { "x, y", "say \"hi\"", "" }, records[1].Fields);
    }

    [Fact]
    public void Csv_accepts_crlf_lf_and_a_bom_and_skips_blank_lines()
    {
        var crlf = ReferenceDataLoader.ParseCsv("\uFEFFprovince,city\r\n上海,上海市\r\n\r\n四川,成都市\r\n");
        var lf = ReferenceDataLoader.ParseCsv("province,city\n上海,上海市\n\n四川,成都市"); // no final line break

        foreach (var records in new[] { crlf, lf })
        {
            Assert.Equal(3, records.Count);
            Assert.Equal("province", records[0].Fields[0]); // the BOM is not part of the first header
            Assert.Equal(new[] { "上海", "上海市" }, records[1].Fields);
            Assert.Equal(new[] { "四川", "成都市" }, records[2].Fields);
            Assert.Equal(4, records[2].Line);
        }
    }

    [Fact]
    public void Csv_quoted_line_breaks_and_empty_fields()
    {
        var records = ReferenceDataLoader.ParseCsv("a,b,c\r\n\"line 1\r\nline 2\",,\n,,x\n");

        Assert.Equal(new[] { "line 1\r\nline 2", "", "" }, records[1].Fields);
        Assert.Equal(new[] { "", "", "x" }, records[2].Fields);
        Assert.Equal(4, records[2].Line); // the quoted break counts as a line
        Assert.Equal("黑色素瘤，肺癌", ReferenceDataLoader.ParseCsv("x\n黑色素瘤，肺癌\n")[1].Fields.Single());
    }

    [Theory]
    [InlineData("a,b\nx\"y,z\n", "line 2: a quote inside an unquoted field")]
    [InlineData("a,b\n\"x\"y,z\n", "line 2: text after the closing quote")]
    [InlineData("a,b\n\"x,z\n", "line 2: a quoted field is not closed")]
    public void Csv_malformed_quotes_are_refused(string text, string message)
    {
        var error = Assert.Throws<CsvFormatException>(() => ReferenceDataLoader.ParseCsv(text)); // a FormatException that also says it in Chinese
        Assert.StartsWith(message, error.Message);
    }

    private static string RenameHeader(string text, string column)
    {
        var end = text.IndexOf('\n');
        var header = text[..end].Split(',').Select(h => h == column ? column + "_x" : h);
        var renamed = string.Join(",", header);
        Assert.NotEqual(text[..end], renamed); // the column really was in the header
        return renamed + text[end..];
    }

    /// <summary>Every row of every reference table, all columns, in id order.</summary>
    private static async Task<List<string>> Snapshot(ReferenceDatabase database)
    {
        await using var db = database.Context();
        var rows = new List<string>();
        rows.AddRange((await db.GreenChannelHospitals.OrderBy(x => x.Id).ToListAsync())
            .Select(x => $"G|{x.Id}|{x.Province}|{x.City}|{x.Hospital}|{x.NameKey}|{x.Note}"));
        rows.AddRange((await db.EscortCities.OrderBy(x => x.Id).ToListAsync())
            .Select(x => $"E|{x.Id}|{x.Province}|{x.City}|{x.CityKey}|{x.Note}"));
        rows.AddRange((await db.Drugs.OrderBy(x => x.Id).ToListAsync())
            .Select(x => $"D|{x.Id}|{x.Source}|{x.List}|{x.ListName}|{x.Seq}|{x.BrandName}|{x.GenericName}|{x.GenericKey}|{x.Manufacturer}|{x.Indication}|{x.Note}"));
        rows.AddRange((await db.PharmacyCities.OrderBy(x => x.Id).ToListAsync())
            .Select(x => $"P|{x.Id}|{x.Source}|{x.Province}|{x.City}|{x.CityKey}|{x.PharmacyCount}|{x.ExamplePharmacy}|{x.Note}"));
        rows.AddRange((await db.DesignatedHospitals.OrderBy(x => x.Id).ToListAsync())
            .Select(x => $"H|{x.Id}|{x.Province}|{x.City}|{x.Hospital}|{x.NameKey}|{x.Note}"));
        Assert.Equal(106 + 417 + 63 + 56 + 250 + 240 + 693, rows.Count);
        return rows;
    }
}

public sealed class ReferenceLookupTests(LoadedReference reference) : IClassFixture<LoadedReference>
{
    private ReferenceLookup Lookup => reference.Lookup;

    [Fact]
    public void Green_channel_hospitals()
    {
        Assert.True(Lookup.IsGreenChannelHospital("复旦大学附属肿瘤医院"));
        Assert.False(Lookup.IsGreenChannelHospital("复旦大学附属火星医院"));
        Assert.False(Lookup.IsGreenChannelHospital(""));
        Assert.False(Lookup.IsGreenChannelHospital(null));
        // Listed as "中国人民解放军总医院（301 医院）" and "河北医科大学第四医院 (河北省肿瘤医院)": spaces and bracket widths do not matter.
        Assert.True(Lookup.IsGreenChannelHospital("中国人民解放军总医院(301医院)"));
        Assert.True(Lookup.IsGreenChannelHospital("河北医科大学第四医院（河北省肿瘤医院）"));

        var shanghai = Lookup.GreenChannelHospitalsIn("上海");
        Assert.Equal("复旦大学附属肿瘤医院", shanghai[0].Hospital); // list order
        Assert.Equal(shanghai, Lookup.GreenChannelHospitalsIn("上海市"));
        Assert.Empty(Lookup.GreenChannelHospitalsIn("拉萨"));
    }

    [Fact]
    public void Escort_cities()
    {
        Assert.True(Lookup.IsEscortCity("上海"));
        Assert.True(Lookup.IsEscortCity("上海市"));
        Assert.True(Lookup.IsEscortCity("北京")); // listed as 北京市
        Assert.True(Lookup.IsEscortCity("拉萨市"));
        Assert.False(Lookup.IsEscortCity("奥林帕斯"));
        Assert.False(Lookup.IsEscortCity(" "));
    }

    [Fact]
    public void Chengdu_is_covered_by_every_list()
    {
        // What the data says about 成都 (checked against the CSVs): CPIC 附件2 lists 四川/成都市 (escort offered);
        // CPIC 附件1 lists three 成都市 green-channel hospitals (四川省肿瘤医院, 四川大学华西医院, 四川省人民医院);
        // CPIC 附件3(2) lists 成都市 with 16 DTP pharmacies; JD 附件一 lists 成都; JD 附件三 lists 26 成都 hospitals,
        // among them 四川大学华西医院 (but JD abbreviates: 四川肿瘤医院, not CPIC's 四川省肿瘤医院).
        Assert.True(Lookup.IsEscortCity("成都"));
        Assert.True(Lookup.IsEscortCity("成都市"));
        Assert.Equal(new[] { "四川省肿瘤医院", "四川大学华西医院", "四川省人民医院" }, Lookup.GreenChannelHospitalsIn("成都").Select(h => h.Hospital));
        Assert.Equal(16, Lookup.CpicPharmacyCount("成都"));
        Assert.True(Lookup.HasJdPharmacy("成都市"));
        Assert.True(Lookup.IsJdDesignatedHospital("四川大学华西医院"));
        Assert.True(Lookup.IsJdDesignatedHospital("成都363医院")); // listed as "成都 363 医院"
        Assert.False(Lookup.IsJdDesignatedHospital("四川省肿瘤医院"));
    }

    [Fact]
    public void Cpic_drugs_by_brand_or_generic_name()
    {
        var byBrand = Lookup.FindCpicDrug("优赫得");
        var byGeneric = Lookup.FindCpicDrug("德曲妥珠单抗");
        Assert.NotNull(byBrand);
        Assert.Same(byBrand, byGeneric);
        Assert.Equal(("CPIC", "other_domestic_approved", 5), (byBrand.Source, byBrand.List, byBrand.Seq));

        // A generic name with several rows: the first in list order (list 1 has 注射用曲妥珠单抗, a different key).
        Assert.Equal("赫赛汀", Lookup.FindCpicDrug("曲妥珠单抗")?.BrandName);
        Assert.Equal("shanghai_new_innovative", Lookup.FindCpicDrug("注射用曲妥珠单抗")?.List);

        // Cells with two names match by either; Latin names ignore case; spaces and bracket widths do not matter.
        Assert.Equal(36, Lookup.FindCpicDrug("普维拉")?.Seq);              // 法禄达/普维拉
        Assert.Equal(2, Lookup.FindCpicDrug("艾拉司群")?.Seq);             // Elacestrant/艾拉司群
        Assert.Equal(1, Lookup.FindCpicDrug("talzenna")?.Seq);
        Assert.Equal(54, Lookup.FindCpicDrug("帕妥珠曲妥珠单抗注射液（皮下注射）")?.Seq);

        Assert.Null(Lookup.FindCpicDrug("帕博利珠"));   // exact key only, no partial match
        Assert.Null(Lookup.FindCpicDrug("安维汀"));     // on the JD list, not CPIC's
        Assert.Null(Lookup.FindCpicDrug(""));
    }

    [Fact]
    public void Jd_drugs()
    {
        var keytruda = Lookup.FindJdDrug("帕博利珠单抗");
        Assert.NotNull(keytruda);
        Assert.Same(keytruda, Lookup.FindJdDrug("可瑞达"));
        Assert.Equal(("JD", "jd", 1, "黑色素瘤，肺癌"), (keytruda.Source, keytruda.List, keytruda.Seq, keytruda.Indication));

        Assert.Equal("格列卫", Lookup.FindJdDrug("伊马替尼")?.BrandName); // four brands; the first listed
        Assert.Equal(25, Lookup.FindJdDrug("昕维")?.Seq);

        Assert.Null(Lookup.FindJdDrug("恩美曲妥珠单抗")); // 赫赛莱 is on CPIC's list only
        Assert.Null(Lookup.FindJdDrug("赫赛莱"));
        Assert.NotNull(Lookup.FindCpicDrug("赫赛莱"));
    }

    [Fact]
    public void Pharmacies()
    {
        Assert.True(Lookup.HasCpicPharmacy("上海"));
        Assert.Equal(28, Lookup.CpicPharmacyCount("上海市"));
        Assert.Equal(12, Lookup.CpicPharmacyCount("天津")); // two 天津市 rows in the source: 11 + 1
        Assert.False(Lookup.HasCpicPharmacy("拉萨"));
        Assert.Equal(0, Lookup.CpicPharmacyCount("拉萨"));

        Assert.True(Lookup.HasJdPharmacy("上海"));
        Assert.True(Lookup.HasJdPharmacy("三亚市")); // listed as 三亚
        Assert.True(Lookup.HasJdPharmacy("恩施土家族苗族自治州"));
        Assert.False(Lookup.HasJdPharmacy("拉萨"));
    }

    [Fact]
    public void Jd_designated_hospitals()
    {
        Assert.True(Lookup.IsJdDesignatedHospital("上海肿瘤医院（复旦大学附属肿瘤医院）"));
        Assert.True(Lookup.IsJdDesignatedHospital("上海第六人民医院东院"));
        Assert.False(Lookup.IsJdDesignatedHospital("复旦大学附属火星医院"));
        Assert.False(Lookup.IsJdDesignatedHospital(null));
    }
}

public sealed class HospitalAliasTests
{
    [Theory]
    [InlineData("上海肿瘤医院（复旦大学附属肿瘤医院）", "复旦大学附属肿瘤医院", true)]
    [InlineData("上海肿瘤医院（复旦大学附属肿瘤医院）", "上海肿瘤医院", true)]
    [InlineData("上海肿瘤医院（复旦大学附属肿瘤医院）", "上海肿瘤医院（复旦大学附属肿瘤医院）", true)]
    [InlineData("四川肿瘤医院", "四川大学华西医院", false)]
    public void A_listed_hospital_answers_to_its_bracketed_alias_and_its_short_name(string listed, string asked, bool match) =>
        Assert.Equal(match, Workflows.Domain.ReferenceData.ReferenceLookup.HospitalKeys(listed).Contains(Workflows.Domain.ReferenceData.Names.Key(asked)));
}
