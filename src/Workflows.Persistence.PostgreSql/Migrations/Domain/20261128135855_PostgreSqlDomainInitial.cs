using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Workflows.Persistence.PostgreSql.Migrations.Domain
{
    /// <inheritdoc />
    public partial class PostgreSqlDomainInitial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApplicationEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    MessageZh = table.Column<string>(type: "text", nullable: false),
                    MessageEn = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApplicationEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CareRecords",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    OccurredOn = table.Column<DateOnly>(type: "date", nullable: false),
                    TitleProtected = table.Column<string>(type: "text", nullable: false),
                    RecordedBy = table.Column<string>(type: "text", nullable: false),
                    RecordedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CareRecords", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CocAlerts",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    Grade = table.Column<int>(type: "integer", nullable: false),
                    Source = table.Column<string>(type: "text", nullable: false),
                    DetailProtected = table.Column<string>(type: "text", nullable: false),
                    Handling = table.Column<string>(type: "text", nullable: false),
                    RaisedBy = table.Column<string>(type: "text", nullable: false),
                    RaisedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CocAlerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CocCaseManagerAssignments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    CaseManager = table.Column<string>(type: "text", nullable: false),
                    CaseManagerName = table.Column<string>(type: "text", nullable: false),
                    AssignedBy = table.Column<string>(type: "text", nullable: false),
                    AssignedAt = table.Column<long>(type: "bigint", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CocCaseManagerAssignments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DirectBillingAccounts",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    PolicyNumber = table.Column<string>(type: "text", nullable: false),
                    SumInsuredFen = table.Column<long>(type: "bigint", nullable: false),
                    UsedFen = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectBillingAccounts", x => x.PolicyId);
                });

            migrationBuilder.CreateTable(
                name: "DirectBillingAdvances",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    AmountFen = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectBillingAdvances", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MedicationPlans",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    DrugProtected = table.Column<string>(type: "text", nullable: false),
                    TimesOfDay = table.Column<string>(type: "text", nullable: false),
                    StartsOn = table.Column<DateOnly>(type: "date", nullable: false),
                    EndsOn = table.Column<DateOnly>(type: "date", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MedicationPlans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MemberConsultations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    AskedBy = table.Column<string>(type: "text", nullable: false),
                    QuestionProtected = table.Column<string>(type: "text", nullable: false),
                    AskedAt = table.Column<long>(type: "bigint", nullable: false),
                    AnswerProtected = table.Column<string>(type: "text", nullable: true),
                    AnsweredBy = table.Column<string>(type: "text", nullable: true),
                    AnsweredAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MemberConsultations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MonthlySummaries",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    Month = table.Column<string>(type: "text", nullable: false),
                    MemberUserName = table.Column<string>(type: "text", nullable: false),
                    ContentProtected = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MonthlySummaries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Notifications",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Key = table.Column<string>(type: "text", nullable: false),
                    Channel = table.Column<string>(type: "text", nullable: false),
                    RecipientUserName = table.Column<string>(type: "text", nullable: true),
                    RecipientRole = table.Column<string>(type: "text", nullable: true),
                    Template = table.Column<string>(type: "text", nullable: false),
                    TextProtected = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: true),
                    InstanceId = table.Column<string>(type: "text", nullable: true),
                    State = table.Column<string>(type: "text", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "text", nullable: true),
                    ProviderMessageId = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    SentAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "NutritionAssessments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    AssessedOn = table.Column<DateOnly>(type: "date", nullable: false),
                    Score = table.Column<int>(type: "integer", nullable: false),
                    Rating = table.Column<string>(type: "text", nullable: false),
                    AdviceProtected = table.Column<string>(type: "text", nullable: false),
                    RecordedBy = table.Column<string>(type: "text", nullable: false),
                    RecordedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NutritionAssessments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    PolicyNumber = table.Column<string>(type: "text", nullable: false),
                    Insurer = table.Column<string>(type: "text", nullable: false),
                    Product = table.Column<string>(type: "text", nullable: false),
                    Variant = table.Column<string>(type: "text", nullable: true),
                    SpecialtyDrugCover = table.Column<bool>(type: "boolean", nullable: false),
                    SpecialtyDrugSumInsured = table.Column<decimal>(type: "numeric", nullable: true),
                    EffectiveDate = table.Column<DateOnly>(type: "date", nullable: false),
                    EndDate = table.Column<DateOnly>(type: "date", nullable: false),
                    PreviousPolicyNumber = table.Column<string>(type: "text", nullable: true),
                    CoolingOffEnd = table.Column<DateOnly>(type: "date", nullable: true),
                    WaitingPeriodEnd = table.Column<DateOnly>(type: "date", nullable: true),
                    InsuredName = table.Column<string>(type: "text", nullable: false),
                    InsuredIdNumberProtected = table.Column<string>(type: "text", nullable: false),
                    InsuredPhoneProtected = table.Column<string>(type: "text", nullable: true),
                    InsuredBirthDate = table.Column<DateOnly>(type: "date", nullable: true),
                    InsuredUserName = table.Column<string>(type: "text", nullable: true),
                    GuardianName = table.Column<string>(type: "text", nullable: true),
                    GuardianIdNumberProtected = table.Column<string>(type: "text", nullable: true),
                    GuardianPhoneProtected = table.Column<string>(type: "text", nullable: true),
                    GuardianRelation = table.Column<string>(type: "text", nullable: true),
                    GuardianUserName = table.Column<string>(type: "text", nullable: true),
                    ImportedAt = table.Column<long>(type: "bigint", nullable: false),
                    ImportedBy = table.Column<string>(type: "text", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    TerminatedOn = table.Column<DateOnly>(type: "date", nullable: true),
                    TerminationReason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Policies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PolicyVersions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    PolicyNumber = table.Column<string>(type: "text", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    SnapshotProtected = table.Column<string>(type: "text", nullable: false),
                    Change = table.Column<string>(type: "text", nullable: false),
                    ChangedAt = table.Column<long>(type: "bigint", nullable: false),
                    ChangedBy = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PolicyVersions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "QuotaCounters",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    ServiceCode = table.Column<string>(type: "text", nullable: false),
                    PeriodStart = table.Column<DateOnly>(type: "date", nullable: false),
                    Used = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuotaCounters", x => new { x.PolicyId, x.ServiceCode, x.PeriodStart });
                });

            migrationBuilder.CreateTable(
                name: "QuotaUses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    ServiceCode = table.Column<string>(type: "text", nullable: false),
                    PeriodStart = table.Column<DateOnly>(type: "date", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuotaUses", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDataUploads",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    List = table.Column<string>(type: "text", nullable: false),
                    FileName = table.Column<string>(type: "text", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    UploadedBy = table.Column<string>(type: "text", nullable: false),
                    UploadedAt = table.Column<long>(type: "bigint", nullable: false),
                    BaseVersion = table.Column<int>(type: "integer", nullable: false),
                    PublishedVersion = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataUploads", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDataVersionFiles",
                columns: table => new
                {
                    Version = table.Column<int>(type: "integer", nullable: false),
                    File = table.Column<string>(type: "text", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    Sha256 = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataVersionFiles", x => new { x.Version, x.File });
                });

            migrationBuilder.CreateTable(
                name: "RefDataVersions",
                columns: table => new
                {
                    Number = table.Column<int>(type: "integer", nullable: false),
                    EffectiveDate = table.Column<DateOnly>(type: "date", nullable: false),
                    PublishedAt = table.Column<long>(type: "bigint", nullable: false),
                    PublishedBy = table.Column<string>(type: "text", nullable: false),
                    ChangedList = table.Column<string>(type: "text", nullable: true),
                    Added = table.Column<int>(type: "integer", nullable: false),
                    Removed = table.Column<int>(type: "integer", nullable: false),
                    Changed = table.Column<int>(type: "integer", nullable: false),
                    UploadId = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataVersions", x => x.Number);
                });

            migrationBuilder.CreateTable(
                name: "RefDesignatedHospitals",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Province = table.Column<string>(type: "text", nullable: false),
                    City = table.Column<string>(type: "text", nullable: false),
                    Hospital = table.Column<string>(type: "text", nullable: false),
                    NameKey = table.Column<string>(type: "text", nullable: false),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDesignatedHospitals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDrugs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Source = table.Column<string>(type: "text", nullable: false),
                    List = table.Column<string>(type: "text", nullable: false),
                    ListName = table.Column<string>(type: "text", nullable: false),
                    Seq = table.Column<int>(type: "integer", nullable: true),
                    BrandName = table.Column<string>(type: "text", nullable: true),
                    GenericName = table.Column<string>(type: "text", nullable: false),
                    GenericKey = table.Column<string>(type: "text", nullable: false),
                    Manufacturer = table.Column<string>(type: "text", nullable: true),
                    Indication = table.Column<string>(type: "text", nullable: true),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDrugs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefEscortCities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Province = table.Column<string>(type: "text", nullable: false),
                    City = table.Column<string>(type: "text", nullable: false),
                    CityKey = table.Column<string>(type: "text", nullable: false),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefEscortCities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefGreenChannelHospitals",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Province = table.Column<string>(type: "text", nullable: false),
                    City = table.Column<string>(type: "text", nullable: false),
                    Hospital = table.Column<string>(type: "text", nullable: false),
                    NameKey = table.Column<string>(type: "text", nullable: false),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefGreenChannelHospitals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefPharmacyCities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Source = table.Column<string>(type: "text", nullable: false),
                    Province = table.Column<string>(type: "text", nullable: false),
                    City = table.Column<string>(type: "text", nullable: false),
                    CityKey = table.Column<string>(type: "text", nullable: false),
                    PharmacyCount = table.Column<int>(type: "integer", nullable: true),
                    ExamplePharmacy = table.Column<string>(type: "text", nullable: true),
                    Note = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefPharmacyCities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ServiceApplications",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    PolicyNumber = table.Column<string>(type: "text", nullable: false),
                    ServiceCode = table.Column<string>(type: "text", nullable: false),
                    ApplicantUserName = table.Column<string>(type: "text", nullable: false),
                    ApplicantRole = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    RefusalCode = table.Column<string>(type: "text", nullable: true),
                    RefusalMessageZh = table.Column<string>(type: "text", nullable: true),
                    RefusalMessageEn = table.Column<string>(type: "text", nullable: true),
                    InstanceId = table.Column<string>(type: "text", nullable: false),
                    DetailsJson = table.Column<string>(type: "text", nullable: false),
                    AppointmentAt = table.Column<long>(type: "bigint", nullable: true),
                    MissingDocumentsJson = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false),
                    Channel = table.Column<string>(type: "text", nullable: false, defaultValue: "app"),
                    ReceivedAt = table.Column<long>(type: "bigint", nullable: false),
                    FiledBy = table.Column<string>(type: "text", nullable: true),
                    ReferenceDataVersion = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServiceApplications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SlaBreaches",
                columns: table => new
                {
                    BookmarkId = table.Column<string>(type: "text", nullable: false),
                    InstanceId = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: true),
                    DefinitionId = table.Column<string>(type: "text", nullable: false),
                    ActivityType = table.Column<string>(type: "text", nullable: false),
                    TaskTitle = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    EscalatedTo = table.Column<string>(type: "text", nullable: false),
                    DueAt = table.Column<long>(type: "bigint", nullable: false),
                    BreachedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SlaBreaches", x => x.BookmarkId);
                });

            migrationBuilder.CreateTable(
                name: "TaskTexts",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    InstanceId = table.Column<string>(type: "text", nullable: false),
                    ApplicationId = table.Column<string>(type: "text", nullable: true),
                    TaskId = table.Column<string>(type: "text", nullable: false),
                    Field = table.Column<string>(type: "text", nullable: false),
                    TextProtected = table.Column<string>(type: "text", nullable: false),
                    WrittenBy = table.Column<string>(type: "text", nullable: false),
                    WrittenAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TaskTexts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DiagnosisEvents",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PolicyId = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    DiagnosedOn = table.Column<DateOnly>(type: "date", nullable: false),
                    Confirmed = table.Column<bool>(type: "boolean", nullable: false),
                    DetailProtected = table.Column<string>(type: "text", nullable: true),
                    RecordedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DiagnosisEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DiagnosisEvents_Policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "Policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApplicationEvents_ApplicationId",
                table: "ApplicationEvents",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_CareRecords_ApplicationId_OccurredOn",
                table: "CareRecords",
                columns: new[] { "ApplicationId", "OccurredOn" });

            migrationBuilder.CreateIndex(
                name: "IX_CocAlerts_ApplicationId_RaisedAt",
                table: "CocAlerts",
                columns: new[] { "ApplicationId", "RaisedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_CocCaseManagerAssignments_ApplicationId",
                table: "CocCaseManagerAssignments",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_CocCaseManagerAssignments_CaseManager",
                table: "CocCaseManagerAssignments",
                column: "CaseManager");

            migrationBuilder.CreateIndex(
                name: "IX_DiagnosisEvents_PolicyId",
                table: "DiagnosisEvents",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_DirectBillingAdvances_ApplicationId",
                table: "DirectBillingAdvances",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_DirectBillingAdvances_PolicyId",
                table: "DirectBillingAdvances",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_MedicationPlans_ApplicationId",
                table: "MedicationPlans",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_MemberConsultations_ApplicationId",
                table: "MemberConsultations",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_MonthlySummaries_ApplicationId_Month",
                table: "MonthlySummaries",
                columns: new[] { "ApplicationId", "Month" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MonthlySummaries_MemberUserName_Month",
                table: "MonthlySummaries",
                columns: new[] { "MemberUserName", "Month" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_CreatedAt",
                table: "Notifications",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_Key",
                table: "Notifications",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_RecipientUserName_CreatedAt",
                table: "Notifications",
                columns: new[] { "RecipientUserName", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_NutritionAssessments_ApplicationId_AssessedOn",
                table: "NutritionAssessments",
                columns: new[] { "ApplicationId", "AssessedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_Policies_GuardianUserName",
                table: "Policies",
                column: "GuardianUserName");

            migrationBuilder.CreateIndex(
                name: "IX_Policies_InsuredName",
                table: "Policies",
                column: "InsuredName");

            migrationBuilder.CreateIndex(
                name: "IX_Policies_InsuredUserName",
                table: "Policies",
                column: "InsuredUserName");

            migrationBuilder.CreateIndex(
                name: "IX_Policies_PolicyNumber",
                table: "Policies",
                column: "PolicyNumber",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PolicyVersions_PolicyId_Version",
                table: "PolicyVersions",
                columns: new[] { "PolicyId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_QuotaUses_ApplicationId",
                table: "QuotaUses",
                column: "ApplicationId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_QuotaUses_PolicyId_ServiceCode_PeriodStart",
                table: "QuotaUses",
                columns: new[] { "PolicyId", "ServiceCode", "PeriodStart" });

            migrationBuilder.CreateIndex(
                name: "IX_RefDataUploads_UploadedAt",
                table: "RefDataUploads",
                column: "UploadedAt");

            migrationBuilder.CreateIndex(
                name: "IX_RefDataVersions_UploadId",
                table: "RefDataVersions",
                column: "UploadId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RefDesignatedHospitals_NameKey",
                table: "RefDesignatedHospitals",
                column: "NameKey");

            migrationBuilder.CreateIndex(
                name: "IX_RefDrugs_GenericKey",
                table: "RefDrugs",
                column: "GenericKey");

            migrationBuilder.CreateIndex(
                name: "IX_RefDrugs_Source_List",
                table: "RefDrugs",
                columns: new[] { "Source", "List" });

            migrationBuilder.CreateIndex(
                name: "IX_RefEscortCities_CityKey",
                table: "RefEscortCities",
                column: "CityKey");

            migrationBuilder.CreateIndex(
                name: "IX_RefGreenChannelHospitals_City",
                table: "RefGreenChannelHospitals",
                column: "City");

            migrationBuilder.CreateIndex(
                name: "IX_RefGreenChannelHospitals_NameKey",
                table: "RefGreenChannelHospitals",
                column: "NameKey");

            migrationBuilder.CreateIndex(
                name: "IX_RefPharmacyCities_Source_CityKey",
                table: "RefPharmacyCities",
                columns: new[] { "Source", "CityKey" });

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_ApplicantUserName_CreatedAt",
                table: "ServiceApplications",
                columns: new[] { "ApplicantUserName", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_InstanceId",
                table: "ServiceApplications",
                column: "InstanceId");

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_PolicyId",
                table: "ServiceApplications",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_PolicyNumber",
                table: "ServiceApplications",
                column: "PolicyNumber");

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_ReceivedAt_Id",
                table: "ServiceApplications",
                columns: new[] { "ReceivedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_ServiceCode_Status_ReceivedAt",
                table: "ServiceApplications",
                columns: new[] { "ServiceCode", "Status", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_SlaBreaches_BreachedAt",
                table: "SlaBreaches",
                column: "BreachedAt");

            migrationBuilder.CreateIndex(
                name: "IX_TaskTexts_ApplicationId",
                table: "TaskTexts",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_TaskTexts_InstanceId",
                table: "TaskTexts",
                column: "InstanceId");

            // A published reference-data version is immutable, as on SQLite (docs/reference-data.md).
            AppendOnlyTables.CreateFunction(migrationBuilder);
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
                AppendOnlyTables.Refuse(migrationBuilder, table, "reference data versions are immutable");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
                AppendOnlyTables.Allow(migrationBuilder, table);
            migrationBuilder.DropTable(
                name: "ApplicationEvents");

            migrationBuilder.DropTable(
                name: "CareRecords");

            migrationBuilder.DropTable(
                name: "CocAlerts");

            migrationBuilder.DropTable(
                name: "CocCaseManagerAssignments");

            migrationBuilder.DropTable(
                name: "DiagnosisEvents");

            migrationBuilder.DropTable(
                name: "DirectBillingAccounts");

            migrationBuilder.DropTable(
                name: "DirectBillingAdvances");

            migrationBuilder.DropTable(
                name: "MedicationPlans");

            migrationBuilder.DropTable(
                name: "MemberConsultations");

            migrationBuilder.DropTable(
                name: "MonthlySummaries");

            migrationBuilder.DropTable(
                name: "Notifications");

            migrationBuilder.DropTable(
                name: "NutritionAssessments");

            migrationBuilder.DropTable(
                name: "PolicyVersions");

            migrationBuilder.DropTable(
                name: "QuotaCounters");

            migrationBuilder.DropTable(
                name: "QuotaUses");

            migrationBuilder.DropTable(
                name: "RefDataUploads");

            migrationBuilder.DropTable(
                name: "RefDataVersionFiles");

            migrationBuilder.DropTable(
                name: "RefDataVersions");

            migrationBuilder.DropTable(
                name: "RefDesignatedHospitals");

            migrationBuilder.DropTable(
                name: "RefDrugs");

            migrationBuilder.DropTable(
                name: "RefEscortCities");

            migrationBuilder.DropTable(
                name: "RefGreenChannelHospitals");

            migrationBuilder.DropTable(
                name: "RefPharmacyCities");

            migrationBuilder.DropTable(
                name: "ServiceApplications");

            migrationBuilder.DropTable(
                name: "SlaBreaches");

            migrationBuilder.DropTable(
                name: "TaskTexts");

            migrationBuilder.DropTable(
                name: "Policies");
        }
    }
}
