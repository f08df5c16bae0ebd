using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class DomainInitial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApplicationEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    MessageZh = table.Column<string>(type: "TEXT", nullable: false),
                    MessageEn = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApplicationEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MemberConsultations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    AskedBy = table.Column<string>(type: "TEXT", nullable: false),
                    QuestionProtected = table.Column<string>(type: "TEXT", nullable: false),
                    AskedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MemberConsultations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    PolicyNumber = table.Column<string>(type: "TEXT", nullable: false),
                    Insurer = table.Column<string>(type: "TEXT", nullable: false),
                    Product = table.Column<string>(type: "TEXT", nullable: false),
                    Variant = table.Column<string>(type: "TEXT", nullable: true),
                    SpecialtyDrugCover = table.Column<bool>(type: "INTEGER", nullable: false),
                    EffectiveDate = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    EndDate = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    PreviousPolicyNumber = table.Column<string>(type: "TEXT", nullable: true),
                    CoolingOffEnd = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    WaitingPeriodEnd = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    InsuredName = table.Column<string>(type: "TEXT", nullable: false),
                    InsuredIdNumberProtected = table.Column<string>(type: "TEXT", nullable: false),
                    InsuredPhoneProtected = table.Column<string>(type: "TEXT", nullable: true),
                    InsuredBirthDate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    InsuredUserName = table.Column<string>(type: "TEXT", nullable: true),
                    GuardianName = table.Column<string>(type: "TEXT", nullable: true),
                    GuardianIdNumberProtected = table.Column<string>(type: "TEXT", nullable: true),
                    GuardianPhoneProtected = table.Column<string>(type: "TEXT", nullable: true),
                    GuardianRelation = table.Column<string>(type: "TEXT", nullable: true),
                    GuardianUserName = table.Column<string>(type: "TEXT", nullable: true),
                    ImportedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ImportedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Policies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "QuotaUses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    ServiceCode = table.Column<string>(type: "TEXT", nullable: false),
                    PeriodStart = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuotaUses", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDesignatedHospitals",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Province = table.Column<string>(type: "TEXT", nullable: false),
                    City = table.Column<string>(type: "TEXT", nullable: false),
                    Hospital = table.Column<string>(type: "TEXT", nullable: false),
                    NameKey = table.Column<string>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDesignatedHospitals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDrugs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", nullable: false),
                    List = table.Column<string>(type: "TEXT", nullable: false),
                    ListName = table.Column<string>(type: "TEXT", nullable: false),
                    Seq = table.Column<int>(type: "INTEGER", nullable: true),
                    BrandName = table.Column<string>(type: "TEXT", nullable: true),
                    GenericName = table.Column<string>(type: "TEXT", nullable: false),
                    GenericKey = table.Column<string>(type: "TEXT", nullable: false),
                    Manufacturer = table.Column<string>(type: "TEXT", nullable: true),
                    Indication = table.Column<string>(type: "TEXT", nullable: true),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDrugs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefEscortCities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Province = table.Column<string>(type: "TEXT", nullable: false),
                    City = table.Column<string>(type: "TEXT", nullable: false),
                    CityKey = table.Column<string>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefEscortCities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefGreenChannelHospitals",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Province = table.Column<string>(type: "TEXT", nullable: false),
                    City = table.Column<string>(type: "TEXT", nullable: false),
                    Hospital = table.Column<string>(type: "TEXT", nullable: false),
                    NameKey = table.Column<string>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefGreenChannelHospitals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefPharmacyCities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", nullable: false),
                    Province = table.Column<string>(type: "TEXT", nullable: false),
                    City = table.Column<string>(type: "TEXT", nullable: false),
                    CityKey = table.Column<string>(type: "TEXT", nullable: false),
                    PharmacyCount = table.Column<int>(type: "INTEGER", nullable: true),
                    ExamplePharmacy = table.Column<string>(type: "TEXT", nullable: true),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefPharmacyCities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ServiceApplications",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    PolicyNumber = table.Column<string>(type: "TEXT", nullable: false),
                    ServiceCode = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicantUserName = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicantRole = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    RefusalCode = table.Column<string>(type: "TEXT", nullable: true),
                    RefusalMessageZh = table.Column<string>(type: "TEXT", nullable: true),
                    RefusalMessageEn = table.Column<string>(type: "TEXT", nullable: true),
                    InstanceId = table.Column<string>(type: "TEXT", nullable: false),
                    DetailsJson = table.Column<string>(type: "TEXT", nullable: false),
                    AppointmentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServiceApplications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DiagnosisEvents",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    DiagnosedOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    DetailProtected = table.Column<string>(type: "TEXT", nullable: true),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
                name: "IX_DiagnosisEvents_PolicyId",
                table: "DiagnosisEvents",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_MemberConsultations_ApplicationId",
                table: "MemberConsultations",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_Policies_GuardianUserName",
                table: "Policies",
                column: "GuardianUserName");

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
                name: "IX_QuotaUses_ApplicationId",
                table: "QuotaUses",
                column: "ApplicationId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_QuotaUses_PolicyId_ServiceCode_PeriodStart",
                table: "QuotaUses",
                columns: new[] { "PolicyId", "ServiceCode", "PeriodStart" });

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ApplicationEvents");

            migrationBuilder.DropTable(
                name: "DiagnosisEvents");

            migrationBuilder.DropTable(
                name: "MemberConsultations");

            migrationBuilder.DropTable(
                name: "QuotaUses");

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
                name: "Policies");
        }
    }
}
