using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class HandbookDirectBilling : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "SpecialtyDrugSumInsured",
                table: "Policies",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DirectBillingAccounts",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    PolicyNumber = table.Column<string>(type: "TEXT", nullable: false),
                    SumInsuredFen = table.Column<long>(type: "INTEGER", nullable: false),
                    UsedFen = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectBillingAccounts", x => x.PolicyId);
                });

            migrationBuilder.CreateTable(
                name: "DirectBillingAdvances",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    AmountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectBillingAdvances", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DirectBillingAdvances_ApplicationId",
                table: "DirectBillingAdvances",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_DirectBillingAdvances_PolicyId",
                table: "DirectBillingAdvances",
                column: "PolicyId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DirectBillingAccounts");

            migrationBuilder.DropTable(
                name: "DirectBillingAdvances");

            migrationBuilder.DropColumn(
                name: "SpecialtyDrugSumInsured",
                table: "Policies");
        }
    }
}
